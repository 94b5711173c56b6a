import { describe, expect, it } from "vitest";
import { Pcf8574Keypad } from "../../devices/keypad/pcf8574-keypad.js";
import { Tca8418Keypad } from "../../devices/keypad/tca8418-keypad.js";
import { systemClock } from "../../devices/system-clock.js";
import { typePaced } from "../../simulator/sim-doors.js";
import { SimI2cBus } from "../../simulator/sim-i2c.js";
import { VirtualPcf8574Matrix } from "../../simulator/virtual-pcf8574-matrix.js";
import { VirtualTca8418 } from "../../simulator/virtual-tca8418.js";
import { LateWakingClock, stallEventLoop } from "../helpers/event-loop-stall.js";

/**
 * A person types a PIN while the event loop is stalled: the keystrokes that fell due meanwhile
 * must still reach the keypad in the order typed. After a stall Node runs overdue timers grouped
 * by delay, not in due order (see virtual-wiegand-stall.test.ts), and the LateWakingClock runs
 * them newest first; a timer per keystroke then typed the PIN backwards (a denied attempt).
 * The PIN is not in matrix order, so a scan that sees several keys held at once cannot restore it.
 */
const PIN = "3175#";

/** Keypad driver handlers: keys typed, and faults or recoveries (none expected) as text. */
function handlers(keys: string[], faults: string[]) {
  return {
    onKey: (e: { key: string }) => keys.push(e.key),
    onFault: (e: { detail: string }) => faults.push(e.detail),
    onRecovered: () => faults.push("recovered"),
  };
}

describe("typing after an event-loop stall", () => {
  it("on Node's real timers, with another 160 ms timer overdue, typePaced still delivers the PIN in order", async () => {
    const bus = new SimI2cBus(systemClock);
    const chip = new VirtualTca8418({ clock: systemClock });
    bus.attach(0x34, chip);
    const keys: string[] = [];
    const faults: string[] = [];
    let allTyped: () => void = () => {};
    const allKeys = new Promise<void>((resolve) => {
      allTyped = resolve;
    });
    const driver = new Tca8418Keypad({
      bus,
      clock: systemClock,
      pollMs: 20,
      ...handlers(keys, faults),
      onKey: (e) => {
        keys.push(e.key);
        if (keys.length === PIN.length) allTyped();
      },
    });
    await driver.start();

    // Another component's 160 ms timer, already overdue: Node's 160 ms list now runs before the
    // list holding the first keystroke, and with it the second key-down, due 160 ms later.
    const cancelOther = systemClock.setTimeout(() => {}, 160);
    stallEventLoop(170);
    const typed = typePaced(systemClock, chip, PIN);
    stallEventLoop(400); // the first three keystrokes fall due while the loop is blocked
    await typed;
    await allKeys;
    cancelOther();
    await driver.stop();

    expect(keys.join("")).toBe(PIN);
    expect(faults).toEqual([]);
  });

  it("with overdue timers run newest first, typePaced delivers the keys to the TCA8418 driver in order", async () => {
    const clock = new LateWakingClock();
    const bus = new SimI2cBus(clock);
    const chip = new VirtualTca8418({ clock });
    bus.attach(0x34, chip);
    const keys: string[] = [];
    const faults: string[] = [];
    const driver = new Tca8418Keypad({ bus, clock, pollMs: 20, ...handlers(keys, faults) });
    await driver.start();

    const typed = typePaced(clock, chip, PIN);
    await clock.wakeAfter(700); // all but the last key-up fell due during the stall
    await clock.tick(1_000);
    await typed;
    await clock.tick(100); // the driver's next poll
    await driver.stop();

    expect(keys.join("")).toBe(PIN);
    expect(faults).toEqual([]);
  });

  it("with overdue timers run newest first, VirtualPcf8574Matrix.type() delivers the keys to the scanning driver in order", async () => {
    const clock = new LateWakingClock();
    const bus = new SimI2cBus(clock);
    const matrix = new VirtualPcf8574Matrix({ clock });
    bus.attach(0x20, matrix);
    const keys: string[] = [];
    const faults: string[] = [];
    const driver = new Pcf8574Keypad({ bus, clock, scanMs: 20, ...handlers(keys, faults) });
    await driver.start();

    const typed = matrix.type(PIN);
    await clock.wakeAfter(400); // three key-downs and two key-ups fell due during the stall
    await clock.tick(1_500);
    await typed;
    await driver.stop();

    expect(keys.join("")).toBe(PIN);
    expect(faults).toEqual([]);
  });
});
