import { describe, expect, it } from "vitest";
import { Pcf8574Keypad } from "../../devices/keypad/pcf8574-keypad.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { typePaced } from "../../simulator/sim-doors.js";
import { SimI2cBus } from "../../simulator/sim-i2c.js";
import { VirtualPcf8574Matrix } from "../../simulator/virtual-pcf8574-matrix.js";
import { LateTimersClock } from "../helpers/event-loop-stall.js";

/**
 * A PIN typed on a PCF8574 matrix while the host is loaded. The driver sees a key only when it
 * scans it, and counts it once two consecutive scans saw it; on a loaded host its 20 ms scan
 * timer wakes late, so a key held a fixed 80 ms was seen once and lost (two-door-console's cage
 * PIN logged `invalid_format too_short` in CI). A person holds a key until the keypad has taken
 * it; the virtual finger does the same: it lets go after the hold time AND two scans of the key.
 */
const PIN = "5678#";

function rig(scanMs = 20) {
  const clock = new FakeClock();
  const driverClock = new LateTimersClock(clock);
  const bus = new SimI2cBus(clock);
  const matrix = new VirtualPcf8574Matrix({ clock });
  bus.attach(0x20, matrix);
  const keys: string[] = [];
  const faults: string[] = [];
  const keypad = new Pcf8574Keypad({
    bus,
    clock: driverClock,
    scanMs,
    onKey: (e) => keys.push(e.key),
    onFault: (e) => faults.push(e.detail),
    onRecovered: () => faults.push("recovered"),
  });
  return { clock, driverClock, matrix, keypad, keys, faults };
}

/** Runs the fake clock until `done` settles (bounded: a finger that never lets go fails the test). */
async function runUntil(clock: FakeClock, done: Promise<void>, limitMs = 20_000): Promise<void> {
  let settled = false;
  void done.then(() => {
    settled = true;
  });
  for (let ms = 0; ms < limitMs && !settled; ms += 10) await clock.advance(10);
  expect(settled).toBe(true);
}

describe("typing on a PCF8574 matrix while the driver's scans run late", () => {
  it("type(): every scan 40 ms late (a scan every 60 ms, keys held 80 ms), the PIN arrives whole", async () => {
    const { clock, driverClock, matrix, keypad, keys, faults } = rig();
    driverClock.lateByMs = 40;
    await keypad.start();
    await runUntil(clock, matrix.type(PIN));
    await clock.advance(200);
    await keypad.stop();
    expect(keys.join("")).toBe(PIN);
    expect(faults).toEqual([]);
    expect(clock.pendingTimers()).toBe(0); // no finger left waiting
  });

  it("the console's typePaced onto the matrix, every scan 40 ms late: the PIN arrives whole", async () => {
    const { clock, driverClock, matrix, keypad, keys } = rig();
    driverClock.lateByMs = 40;
    await keypad.start();
    await runUntil(clock, typePaced(clock, matrix, PIN));
    await clock.advance(200);
    await keypad.stop();
    expect(keys.join("")).toBe(PIN);
  });

  it("one scan stalled 150 ms right after a key's first sighting: the key still registers, in order", async () => {
    const { clock, driverClock, matrix, keypad, keys } = rig();
    await keypad.start(); // scans at 0, 20, 40, ... on the fake clock
    const typed = matrix.type("12"); // "1" goes down at once
    await clock.advance(10);
    driverClock.lateByMs = 150; // the scan at 20 sees "1" once; the timer it sets wakes at 190
    await clock.advance(20);
    driverClock.lateByMs = 0;
    await runUntil(clock, typed);
    await clock.advance(100);
    await keypad.stop();
    expect(keys).toEqual(["1", "2"]);
  });

  it("keeps each key down at least the hold time, however quick the scans", async () => {
    const { clock, matrix, keypad, keys } = rig(5);
    await keypad.start();
    const typed = matrix.type("4", 80, 0);
    await clock.advance(79);
    expect(matrix.heldKeys()).toEqual(["4"]);
    await clock.advance(10);
    expect(matrix.heldKeys()).toEqual([]);
    await typed;
    await keypad.stop();
    expect(keys).toEqual(["4"]);
  });

  it("with nobody scanning, lets go of each key after maxHoldMs (a person hearing no beep) and type() resolves", async () => {
    const clock = new FakeClock();
    const matrix = new VirtualPcf8574Matrix({ clock, maxHoldMs: 1_000 });
    const typed = matrix.type("12");
    await clock.advance(999); // held from 0, released at 80 unless scanned: nobody scans
    expect(matrix.heldKeys()).toEqual(["1"]);
    await clock.advance(1);
    expect(matrix.heldKeys()).toEqual([]);
    await runUntil(clock, typed);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("press() still holds for exactly its time: a press between two scans stays unseen (bounce)", async () => {
    const { clock, matrix, keypad, keys } = rig();
    await keypad.start();
    await clock.advance(45);
    matrix.press("7", 10);
    await clock.advance(200);
    await keypad.stop();
    expect(keys).toEqual([]);
  });
});

describe("Pcf8574Keypad with a late scan timer", () => {
  it("counts a late scan as the second consecutive scan while the key is still down (reads, not wall-clock)", async () => {
    const { clock, driverClock, matrix, keypad, keys } = rig();
    driverClock.lateByMs = 120; // scans 140 ms apart
    await keypad.start();
    await clock.advance(30);
    matrix.keyDown("9");
    await clock.advance(250); // two scans see it, far more than two scan periods apart
    matrix.keyUp("9");
    await clock.advance(300);
    await keypad.stop();
    expect(keys).toEqual(["9"]);
  });
});
