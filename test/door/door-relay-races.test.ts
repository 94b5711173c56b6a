import { describe, expect, it } from "vitest";
import { GpioLockRelay } from "../../devices/lock/lock-relay.js";
import type { GpioLine, Level } from "../../devices/types.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { SimGpioChip } from "../../simulator/sim-gpio.js";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { DoorController } from "../../src/door/door-controller.js";

/**
 * A lock output whose writes complete later, and in an order the test chooses: a sysfs write goes
 * through libuv's thread pool, so two writes issued back to back may land in either order.
 */
class SlowLine implements GpioLine {
  level: Level = 0;
  readonly pending: Array<{ level: Level; done: () => void }> = [];
  async read(): Promise<Level> {
    return this.level;
  }
  write(level: Level): Promise<void> {
    return new Promise((resolve) => this.pending.push({ level, done: resolve }));
  }
  /** Applies and completes the pending write at index i. */
  land(i: number): void {
    const [w] = this.pending.splice(i, 1);
    if (!w) throw new Error("no such pending write");
    this.level = w.level;
    w.done();
  }
  watch(): () => void {
    return () => {};
  }
  async close(): Promise<void> {}
}

const flush = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

describe("lock relay: a lock() while a pulse's write is still in flight", () => {
  it("ends locked and not 'released' when the writes land in order", async () => {
    const clock = new FakeClock();
    const line = new SlowLine();
    const relay = new GpioLockRelay(line, clock, 8000);
    const pulse = relay.pulse(3000);
    const lock = relay.lock();
    line.land(0); // the 1
    line.land(0); // the 0
    await flush();
    while (line.pending.length) line.land(0);
    await Promise.all([pulse, lock]);
    expect(line.level).toBe(0);
    // A relay that claims to be released makes the door controller treat an opening as authorised.
    expect(relay.released).toBe(false);
  });

  it("never leaves the output energised without a relock when the writes land out of order", async () => {
    const clock = new FakeClock();
    const line = new SlowLine();
    const relay = new GpioLockRelay(line, clock, 8000);
    const pulse = relay.pulse(3000);
    const lock = relay.lock();
    line.land(1); // the lock's 0 lands first…
    line.land(0); // …then the pulse's 1
    await flush();
    while (line.pending.length) line.land(0);
    await Promise.all([pulse, lock]);
    await flush();
    while (line.pending.length) line.land(0);
    await clock.advance(8000);
    while (line.pending.length) line.land(0);
    expect(line.level).toBe(0);
    expect(relay.released).toBe(false);
  });
});

describe("door controller: lock() racing a pulse on the simulator", () => {
  async function doorOnSim() {
    const clock = new FakeClock();
    const chip = new SimGpioChip(clock);
    const pin = chip.pin(17, 0);
    const relay = new GpioLockRelay(await chip.open(17, "out"), clock, 8000);
    const rows: AuditEntry[] = [];
    const door = new DoorController(
      relay,
      clock,
      { unlockMs: 3000, heldOpenMs: 30_000, relockGraceMs: 500, holdPulseMs: 8000 },
      (e) => rows.push(e),
    );
    await door.start(false);
    return { clock, pin, relay, door, rows };
  }

  it("an admin lock during a grant's pulse leaves the door locked, and a later opening is forced", async () => {
    const { clock, pin, door, rows } = await doorOnSim();
    const unlocking = door.unlock();
    const locking = door.lock(); // MQTT "lock" arrives while the pulse's write is in flight
    await Promise.all([unlocking, locking]);
    await clock.advance(10_000);
    expect(pin.level).toBe(0);
    expect(door.status()).toMatchObject({ phase: "locked", lock: "locked" });
    door.contactChanged(true, clock.now());
    expect(rows.map((r) => r.reason)).toContain("door_forced");
  });

  it("an emergency hold ended while its re-arm write is in flight stays ended", async () => {
    const clock = new FakeClock();
    const line = new SlowLine();
    const relay = new GpioLockRelay(line, clock, 8000);
    const door = new DoorController(
      relay,
      clock,
      { unlockMs: 3000, heldOpenMs: 30_000, relockGraceMs: 500, holdPulseMs: 8000 },
      () => {},
    );
    const landAll = async () => {
      for (let i = 0; i < 5; i++) {
        while (line.pending.length) line.land(0);
        await flush();
      }
    };
    const starting = door.start(false);
    await landAll();
    await starting;
    const holding = door.holdUnlocked("emergency_unlock");
    await landAll();
    await holding;
    await clock.advance(7000); // the re-arm timer fires: its write(1) is now in flight
    expect(line.pending.map((w) => w.level)).toEqual([1]);
    const ending = door.endHold(); // the mode poll ends the hold in the same moment
    line.land(1); // the relock's 0 lands first, then the re-arm's 1
    line.land(0);
    await landAll();
    await ending;
    await clock.advance(20_000);
    await landAll();
    expect(line.level).toBe(0);
    expect(relay.released).toBe(false);
    expect(door.status()).toMatchObject({ phase: "locked", lock: "locked" });
  });
});
