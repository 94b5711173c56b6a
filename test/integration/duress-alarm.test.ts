import { afterEach, describe, expect, it, vi } from "vitest";
import { parseWindowSpec, type ScheduleWindow } from "../../src/access/schedule.js";
import { accessRows, giveFinger, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { adminFor, switchMode } from "./policy-helpers.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const duressRows = () => h.app.services.audit.tail(1000).filter((r) => r.reason === "duress");

/** alice with PIN 1234 and duress PIN 9999. */
async function withDuress(overrides: Record<string, unknown> = {}): Promise<string> {
  h = await startHarness(overrides);
  const code = h.addUserWithPin("alice", "1234");
  adminFor(h).setDuressPin("alice", "9999");
  return code;
}

describe("the duress row commits with the grant, before the relay (item 12)", () => {
  it("when the relay is first energised, the grant and its duress row are both committed, in one append", async () => {
    const code = await withDuress();
    const { audit } = h.app.services;
    const appendAll = vi.spyOn(audit, "appendAll");
    let committedAtPulse: string[] | null = null;
    h.sim.gpio.pin(h.settings.gpio.relay.line).onChange((level) => {
      if (level === 1 && committedAtPulse === null)
        committedAtPulse = audit.tail(2).map((r) => `${r.reason}:${r.userCode}`);
    });
    await h.type("9999#");
    expect(committedAtPulse).toEqual([`granted:${code}`, `duress:${code}`]);
    // One call, one transaction, one fsync: the visible timing of a grant without duress.
    expect(appendAll).toHaveBeenCalledTimes(1);
    expect(appendAll.mock.calls[0]?.[0].map((e) => e.reason)).toEqual(["granted", "duress"]);
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});

describe("a duress PIN always raises its alarm (item 13)", () => {
  it("during a keypad lockout: locked_out, a duress row, the door stays locked", async () => {
    const code = await withDuress({ lockout: { max_failures: 5, base_s: 60, max_s: 900 } });
    for (let i = 0; i < 5; i++) await h.type("0000#");
    expect(h.reasons()).toContain("lockout_started");
    await h.type("9999#");
    expect(accessRows(h).at(-1)).toEqual(["locked_out", "denied", "pin"]);
    expect(duressRows()).toMatchObject([{ kind: "system", credential: "pin", userCode: code }]);
    expect(h.sim.door.pulseCount()).toBe(0);
    // The alarm is silent: the person at the door sees the same lockout feedback as for any PIN.
    expect(h.sim.indicators()).toMatchObject({ red: true, green: false });
  });

  it("during lockdown: denied lockdown, with a duress row", async () => {
    const code = await withDuress();
    await switchMode(h.app.services.commands, h.settings.door_id, "lockdown");
    await h.type("9999#");
    expect(accessRows(h).at(-1)).toEqual(["lockdown", "denied", "pin"]);
    expect(duressRows()).toMatchObject([{ userCode: code }]);
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("outside the holder's schedule: denied outside_schedule, with a duress row", async () => {
    const code = await withDuress();
    adminFor(h).addSchedule("evening", parseWindowSpec("mon 18:00-22:00") as ScheduleWindow[]);
    adminFor(h).setUserPolicy("alice", { schedules: ["evening"] });
    await h.type("9999#");
    expect(accessRows(h).at(-1)).toEqual(["outside_schedule", "denied", "pin"]);
    expect(duressRows()).toMatchObject([{ userCode: code }]);
  });

  it("while the door is in fault: denied door_fault, with a duress row", async () => {
    const code = await withDuress();
    h.app.services.door.enterFault("relay feedback lost");
    await h.type("9999#");
    expect(accessRows(h).at(-1)).toEqual(["door_fault", "denied", "pin"]);
    expect(duressRows()).toMatchObject([{ userCode: code }]);
  });

  it("as the first of two people: awaiting_second_person, with a duress row in the same commit", async () => {
    const code = await withDuress({ policy: { two_person: { enabled: true, window_s: 30 } } });
    await h.type("9999#");
    expect(h.app.services.audit.tail(2)).toMatchObject([
      { reason: "awaiting_second_person", userCode: code },
      { reason: "duress", userCode: code },
    ]);
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("as the first of two factors: the alarm is raised at once, even if no second factor follows", async () => {
    const code = await withDuress({ access: { mode: "pin_and_fingerprint", second_factor_window_s: 10 } });
    await h.type("9999#");
    expect(h.app.services.audit.tail(2)).toMatchObject([
      { reason: "awaiting_second_factor", userCode: code },
      { reason: "duress", userCode: code },
    ]);
    await h.clock.advance(10_000);
    await h.app.services.access.idle();
    expect(h.reasons()).toContain("second_factor_timeout");
    expect(duressRows()).toHaveLength(1);
  });

  it("as the first of two factors completed by the same person's finger: one alarm, the door opens", async () => {
    const code = await withDuress({ access: { mode: "pin_and_fingerprint" } });
    giveFinger(h, code, 1);
    await h.type("9999#");
    await touch(h, "finger-1");
    expect(accessRows(h).at(-1)).toEqual(["granted", "granted", "fingerprint"]);
    expect(duressRows()).toHaveLength(1);
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("as a second factor from someone else (factor_mismatch): with a duress row", async () => {
    const code = await withDuress({ access: { mode: "pin_and_fingerprint" } });
    const bob = h.addUserWithPin("bob", "5678");
    giveFinger(h, bob, 2);
    await touch(h, "finger-2");
    await h.type("9999#");
    expect(accessRows(h).at(-1)).toEqual(["factor_mismatch", "denied", "pin"]);
    expect(duressRows()).toMatchObject([{ userCode: code }]);
  });
});
