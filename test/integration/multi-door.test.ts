import { afterEach, describe, expect, it } from "vitest";
import type { GpioChip } from "../../devices/types.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { createSimulator } from "../../simulator/simulator.js";
import { createApp } from "../../src/app.js";
import type { AuditRecord } from "../../src/audit/audit-log.js";
import { toJsonLine } from "../../src/audit/export-format.js";
import { parseSettings } from "../../src/config/load-settings.js";
import { createLogger } from "../../src/logger.js";
import { simWiringFromSettings } from "../../src/sim-wiring.js";
import { doorsConfig } from "../helpers/doors.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

/** Types at one door's keypad like a person and waits until that door has decided. */
async function typeAt(door: number, keys: string): Promise<void> {
  const typed = h.sim.doors[door]?.typeKeys(keys);
  await h.clock.advance(2 * keys.length * 80 + 100);
  await typed;
  await h.app.services.units[door]?.access.idle();
}

const released = () => h.sim.doors.map((d) => d.door.boltReleased);

describe.each([2, 4])("%i doors on one controller", (n) => {
  it("a PIN at one door opens that door only; its row names the door and the reader", async () => {
    h = await startHarness({ doors: doorsConfig(n) });
    expect(h.app.services.units.map((u) => u.id)).toEqual(doorsConfig(n).map((d) => d.id));
    const code = h.addUserWithPin("alice", "1234");
    const last = n - 1;
    await typeAt(last, "1234#");
    expect(released()).toEqual(Array.from({ length: n }, (_, i) => i === last));
    expect(h.app.services.audit.last()).toMatchObject({
      door: `d${last}`,
      reason: "granted",
      userCode: code,
      detail: { reader: `d${last}-keypad` },
    });
    // `log export` rows carry the door and the reader.
    expect(JSON.parse(toJsonLine(h.app.services.audit.last() as AuditRecord))).toMatchObject({
      door: `d${last}`,
      reader: `d${last}-keypad`,
      reason: "granted",
    });
    await h.clock.advance(5000);
    expect(released()).toEqual(Array(n).fill(false));
    expect(h.sim.doors[last]?.door.pulseCount()).toBe(1);
    expect(h.sim.doors[0]?.door.pulseCount()).toBe(0);
  });

  it("request-to-exit, door events and lockouts are each door's own", async () => {
    h = await startHarness({ doors: doorsConfig(n), lockout: { max_failures: 2, base_s: 60, max_s: 60 } });
    h.addUserWithPin("alice", "1234");
    h.sim.doors[1]?.pressExit();
    await h.clock.advance(300);
    expect(released()).toEqual(Array.from({ length: n }, (_, i) => i === 1));
    expect(h.app.services.audit.tail(10).find((r) => r.reason === "exit_request")?.door).toBe("d1");
    await h.clock.advance(6000);
    // Two wrong PINs lock door 0's keypad out; door 1 still opens for the right PIN.
    await typeAt(0, "9999#");
    await typeAt(0, "9999#");
    expect(h.app.services.units[0]?.access.lockoutState("pin").lockedOut).toBe(true);
    expect(h.app.services.units[1]?.access.lockoutState("pin").lockedOut).toBe(false);
    await typeAt(1, "1234#");
    expect(h.sim.doors[1]?.door.boltReleased).toBe(true);
    const keys = h.app.services.db
      .prepare<[], { key: string }>("SELECT key FROM kv WHERE key LIKE '%lockout%'")
      .all()
      .map((r) => r.key);
    expect(keys.length).toBeGreaterThan(0);
    expect(keys.every((k) => k.startsWith("door:d0:lockout:") || k.startsWith("door:d1:lockout:"))).toBe(
      true,
    );
  });

  it("health names each door's devices; stop and emergencyLock lock every relay", async () => {
    h = await startHarness({ doors: doorsConfig(n) });
    expect(Object.keys(h.app.services.health.snapshot())).toEqual(
      expect.arrayContaining(["d0/lock", "d0/door_contact", "d0/rex", "d0/d0-keypad", `d${n - 1}/lock`]),
    );
    h.addUserWithPin("alice", "1234");
    for (let i = 0; i < n; i++) h.sim.doors[i]?.pressExit();
    await h.clock.advance(300);
    expect(released()).toEqual(Array(n).fill(true));
    expect(h.app.emergencyLock()).toBe(true);
    expect(released()).toEqual(Array(n).fill(false));
    for (let i = 0; i < n; i++) h.sim.doors[i]?.pressExit();
    await h.clock.advance(300);
    expect(released()).toEqual(Array(n).fill(true));
    await h.app.stop();
    expect(released()).toEqual(Array(n).fill(false));
  });
});

describe("a door that fails to start", () => {
  it("stops the start; every door opened so far is closed again with its relay locked", async () => {
    const clock = new FakeClock();
    const settings = parseSettings({ data_dir: tempDir(), log_level: "silent", doors: doorsConfig(3) });
    const sim = createSimulator({ clock, wiring: simWiringFromSettings(settings) });
    const closed: number[] = [];
    const failingContact = 4 + 3 * 1 + 1; // door d1's contact line
    const gpio: GpioChip = {
      async open(offset, dir, opts) {
        if (offset === failingContact) throw new Error("line busy");
        const line = await sim.transports.gpio.open(offset, dir, opts);
        return {
          ...line,
          read: () => line.read(),
          write: (l) => line.write(l),
          watch: (cb) => line.watch(cb),
          close: async () => {
            closed.push(offset);
            await line.close();
          },
        };
      },
    };
    const app = createApp({
      settings,
      transports: { ...sim.transports, gpio },
      clock,
      logger: createLogger("silent"),
    });
    await expect(app.start()).rejects.toThrow("line busy");
    await app.stop();
    expect(sim.doors.map((d) => d.door.boltReleased)).toEqual([false, false, false]);
    // Every relay line (4, 7, 10) was opened first and closed last.
    expect(closed.slice(-3).sort((a, b) => a - b)).toEqual([4, 7, 10]);
    expect(closed).toContain(5); // door d0's contact, opened before d1 failed
  });
});
