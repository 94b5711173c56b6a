import { afterEach, describe, expect, it } from "vitest";
import { parseWindowSpec, type ScheduleWindow } from "../../src/access/schedule.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { adminFor, switchMode, traceDoorOutputs } from "./policy-helpers.js";

const win = (spec: string) => parseWindowSpec(spec) as ScheduleWindow[];

let harnesses: Harness[] = [];
async function start(overrides: Record<string, unknown> = {}): Promise<Harness> {
  const h = await startHarness(overrides);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses) await h.app.stop();
  harnesses = [];
});

describe("duress PIN", () => {
  async function run(pin: string) {
    const h = await start();
    const code = h.addUserWithPin("alice", "1234");
    adminFor(h).setDuressPin("alice", "9999");
    const trace = traceDoorOutputs(h, h.clock.now());
    await h.type(`${pin}#`);
    await h.clock.advance(6000);
    return { h, code, trace };
  }

  it("opens exactly like the normal PIN (same relay pulse, same indicator timeline) and raises a silent alarm", async () => {
    const normal = await run("1234");
    const duress = await run("9999");
    expect(duress.trace).toEqual(normal.trace);
    expect(duress.trace.some((t) => t.endsWith("relay=1"))).toBe(true);
    expect(duress.h.sim.door.pulseCount()).toBe(1);
    const rows = duress.h.app.services.audit.tail(3);
    expect(rows[1]).toMatchObject({
      kind: "access",
      outcome: "granted",
      reason: "granted",
      userCode: duress.code,
    });
    expect(rows[2]).toMatchObject({ kind: "system", reason: "duress", userCode: duress.code });
    expect(normal.h.reasons()).not.toContain("duress");
  });

  it("a duress PIN cannot equal a PIN, the user's own or anyone's", async () => {
    const h = await start();
    h.addUserWithPin("alice", "1234");
    h.addUserWithPin("bob", "5678");
    expect(() => adminFor(h).setDuressPin("alice", "1234")).toThrow(/not available/);
    expect(() => adminFor(h).setDuressPin("alice", "5678")).toThrow(/not available/);
  });
});

describe("two-person rule", () => {
  const settings = { policy: { two_person: { enabled: true, window_s: 30 } } };

  it("the first person gets 'waiting', the second opens; one access row names both", async () => {
    const h = await start(settings);
    const a = h.addUserWithPin("alice", "1234");
    const b = h.addUserWithPin("bob", "5678");
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.sim.indicators()).toMatchObject({ green: true, red: false }); // the waiting blink
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "awaiting_second_person",
      outcome: null,
      userCode: a,
    });
    await h.clock.advance(10_000);
    await h.type("5678#");
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "granted",
      outcome: "granted",
      userCode: a,
      detail: { second_user_code: b },
    });
  });

  it("the same person twice is denied with same_person, without counting toward lockout", async () => {
    const h = await start(settings);
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    await h.type("1234#");
    expect(h.app.services.audit.last()).toMatchObject({ reason: "same_person", outcome: "denied" });
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.app.services.access.lockoutState().failures).toBe(0);
  });

  it("after the window expires the second person starts over", async () => {
    const h = await start(settings);
    h.addUserWithPin("alice", "1234");
    h.addUserWithPin("bob", "5678");
    await h.type("1234#");
    await h.clock.advance(31_000);
    await h.type("5678#");
    expect(h.app.services.audit.last()?.reason).toBe("awaiting_second_person");
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("only_during: outside the named schedule one person is enough", async () => {
    const h = await start({ policy: { two_person: { enabled: true, only_during: ["night"] } } });
    adminFor(h).addSchedule("night", win("daily 20:00-06:00"));
    h.addUserWithPin("alice", "1234");
    await h.type("1234#"); // Monday 09:00
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});

describe("schedules through the service", () => {
  it("a CLI-style change applies to the next attempt: outside_schedule, then granted", async () => {
    const h = await start();
    const admin = adminFor(h);
    h.addUserWithPin("alice", "1234");
    admin.addSchedule("evening", win("mon 18:00-22:00"));
    admin.setUserPolicy("alice", { schedules: ["evening"] });
    await h.type("1234#");
    expect(h.app.services.audit.last()?.reason).toBe("outside_schedule");
    admin.addSchedule("evening", win("mon 08:00-10:00"));
    await h.type("1234#");
    expect(h.app.services.audit.last()?.reason).toBe("granted");
    expect(() => admin.setUserPolicy("alice", { schedules: ["nope"] })).toThrow(/no such schedule/);
  });
});

describe("lockdown", () => {
  it("denies a user, lets an override user in, and survives a restart", async () => {
    const dataDir = tempDir();
    const h = await start({ data_dir: dataDir });
    h.addUserWithPin("alice", "1234");
    h.addUserWithPin("olga", "5678");
    const admin = adminFor(h);
    admin.setUserPolicy("olga", { role: "override" });
    await switchMode(h.app.services.commands, h.settings.door_id, "lockdown");
    await h.type("1234#");
    expect(h.app.services.audit.last()).toMatchObject({ reason: "lockdown", outcome: "denied" });
    await h.type("5678#");
    expect(h.app.services.audit.last()).toMatchObject({ reason: "granted" });
    await h.app.stop();
    harnesses = [];
    const again = await start({ data_dir: dataDir });
    await again.type("1234#");
    expect(again.app.services.audit.last()?.reason).toBe("lockdown");
    expect(again.app.services.policy.mode.status().mode).toBe("lockdown");
  });
});

describe("emergency unlock", () => {
  it("holds the bolt released with re-armed maximum pulses until ended, then relocks", async () => {
    const h = await start();
    await switchMode(h.app.services.commands, h.settings.door_id, "emergency_unlock");
    await h.clock.advance(1000); // the service polls the mode each second
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.reasons()).toContain("emergency_unlock_started");
    await h.clock.advance(10 * 60_000);
    expect(h.sim.door.boltReleased).toBe(true); // never dropped between pulses
    expect(h.sim.door.push()).toBe(true);
    h.sim.door.release();
    await h.clock.advance(100);
    expect(h.sim.door.boltReleased).toBe(true); // closing the door does not relock during evacuation
    await switchMode(h.app.services.commands, h.settings.door_id, "normal");
    await h.clock.advance(1000);
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.reasons()).toContain("emergency_unlock_ended");
  });

  it("is fail-secure: if the re-arm stops, the relay's own timer relocks within one maximum pulse", async () => {
    const h = await start();
    await switchMode(h.app.services.commands, h.settings.door_id, "emergency_unlock");
    await h.clock.advance(1000);
    expect(h.sim.door.boltReleased).toBe(true);
    // Simulate a wedged service: stop the policy loop and the held release's re-arm together.
    h.app.services.policy.stop();
    (h.app.services.door as unknown as { cancelHoldRearm: (() => void) | null }).cancelHoldRearm?.();
    await h.clock.advance(h.settings.door.max_unlock_ms);
    expect(h.sim.door.boltReleased).toBe(false);
  });
});

describe("unlock schedule with first-person-in", () => {
  it("stays locked until the first grant inside the schedule, then stays unlocked until it closes", async () => {
    // An hour of fake time: the keypad on its INT line and a slow sensor poll keep the number of
    // timers (each one settles the event loop) small enough for a loaded CI machine.
    const h = await start({
      policy: { unlock_schedule: "office", mode_poll_ms: 10_000 },
      keypad: { interrupt_gpio: 4 },
      fingerprint: { poll_ms: 5000 },
    });
    adminFor(h).addSchedule("office", win("mon-fri 08:00-10:00"));
    h.addUserWithPin("alice", "1234");
    await h.clock.advance(5000);
    expect(h.sim.door.boltReleased).toBe(false); // snow day: nobody came, the door stays locked
    await h.type("1234#");
    await h.clock.advance(30 * 60_000);
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.reasons()).toContain("unlock_schedule_started");
    await h.clock.advance(31 * 60_000); // past 10:00
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.reasons()).toContain("unlock_schedule_ended");
  });
});
