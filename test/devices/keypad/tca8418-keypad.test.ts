import { describe, expect, it } from "vitest";
import { Tca8418Keypad, type Tca8418KeypadOptions } from "../../../devices/keypad/tca8418-keypad.js";
import * as R from "../../../devices/keypad/tca8418-registers.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { SimGpioChip } from "../../../simulator/sim-gpio.js";
import { SimI2cBus } from "../../../simulator/sim-i2c.js";
import { VirtualTca8418 } from "../../../simulator/virtual-tca8418.js";

async function rig(extra: Partial<Tca8418KeypadOptions> = {}, withInt = false) {
  const clock = new FakeClock();
  const bus = new SimI2cBus(clock);
  const gpio = new SimGpioChip(clock);
  const intPin = gpio.pin(17, 1);
  const chip = new VirtualTca8418({ clock, intPin });
  bus.attach(0x34, chip);
  const keys: string[] = [];
  const keyTimes: number[] = [];
  const faults: string[] = [];
  const recoveries: number[] = [];
  const overflows: number[] = [];
  const interrupt = withInt ? await gpio.open(17, "in") : undefined;
  const keypad = new Tca8418Keypad({
    bus,
    clock,
    interrupt,
    onKey: (e) => {
      keys.push(e.key);
      keyTimes.push(e.atMs);
    },
    onFault: (e) => faults.push(e.detail),
    onRecovered: (e) => recoveries.push(e.atMs),
    onOverflow: () => overflows.push(keys.length),
    ...extra,
  });
  return { clock, bus, chip, keypad, keys, keyTimes, faults, recoveries, overflows, intPin };
}

describe("Tca8418Keypad", () => {
  it("pins the register constants to the datasheet values", () => {
    expect([R.REG_CFG, R.REG_INT_STAT, R.REG_KEY_LCK_EC, R.REG_KEY_EVENT_A]).toEqual([
      0x01, 0x02, 0x03, 0x04,
    ]);
    expect([R.REG_KP_GPIO1, R.REG_KP_GPIO2, R.REG_KP_GPIO3]).toEqual([0x1d, 0x1e, 0x1f]);
    expect([R.CFG_KE_IEN, R.CFG_INT_CFG, R.CFG_OVR_FLOW_M, R.CFG_AI]).toEqual([0x01, 0x10, 0x20, 0x80]);
    expect([R.INT_K_INT, R.INT_OVR_FLOW_INT]).toEqual([0x01, 0x08]);
    expect(R.matrixKeyCode(3, 2)).toBe(33);
  });

  it("initialises with the exact bytes: matrix rows 0-3 / cols 0-2, CFG 0x19, INT_STAT cleared", async () => {
    const { keypad, bus } = await rig();
    await keypad.start();
    expect(bus.writesTo(0x34)).toEqual([
      [0x1d, 0x0f], // KP_GPIO1: ROW0..ROW3
      [0x1e, 0x07], // KP_GPIO2: COL0..COL2
      [0x1f, 0x00], // KP_GPIO3: COL8, COL9 unused
      [0x01, 0x19], // CFG: KE_IEN | OVR_FLOW_IEN | INT_CFG; OVR_FLOW_M=0, AI=0
      [0x02, 0x1f], // INT_STAT: clear every source
    ]);
    await keypad.stop();
  });

  it("delivers a typed sequence in order, presses only", async () => {
    const { keypad, chip, clock, keys } = await rig();
    await keypad.start();
    chip.type("1234#");
    await clock.advance(20);
    expect(keys).toEqual(["1", "2", "3", "4", "#"]);
    chip.type("*09");
    await clock.advance(20);
    expect(keys.join("")).toBe("1234#*09");
    expect(keypad.stats().keysDelivered).toBe(8);
    expect(chip.peek(R.REG_INT_STAT) & R.INT_K_INT).toBe(0); // K_INT cleared after draining
    await keypad.stop();
  });

  it("discards events queued before start (unknown age)", async () => {
    const { keypad, chip, clock, keys } = await rig();
    chip.writeRegister(0x1d, Buffer.from([0x0f]));
    chip.writeRegister(0x1e, Buffer.from([0x07]));
    chip.type("12");
    await keypad.start();
    await clock.advance(40);
    expect(keys).toEqual([]);
    expect(keypad.stats().staleDiscarded).toBe(4);
    await keypad.stop();
  });

  it("reads keys pressed while Node was blocked (no polls) from the FIFO", async () => {
    const { keypad, chip, clock, keys, keyTimes } = await rig({ pollMs: 20 });
    await keypad.start();
    const blockedFrom = clock.now();
    // Five keystrokes = 10 events, exactly the FIFO depth, with no poll in between.
    chip.type("9876#");
    await clock.advance(20);
    expect(keys).toEqual(["9", "8", "7", "6", "#"]);
    expect(keyTimes[0]).toBeGreaterThan(blockedFrom); // stamped when read: the chip has no clock
    expect(keypad.stats().overflows).toBe(0);
    await keypad.stop();
  });

  it("reports overflow after delivering the surviving (oldest) keys", async () => {
    const { keypad, chip, clock, keys, overflows } = await rig();
    await keypad.start();
    chip.type("1234567#"); // 16 events into a 10-event FIFO
    await clock.advance(20);
    expect(keys).toEqual(["1", "2", "3", "4", "5"]); // the "#" is lost, so no truncated PIN is submitted
    expect(overflows).toEqual([5]);
    expect(keypad.stats().overflows).toBe(1);
    expect(chip.peek(R.REG_INT_STAT)).toBe(0);
    chip.type("42");
    await clock.advance(20);
    expect(keys.slice(5)).toEqual(["4", "2"]);
    expect(overflows).toEqual([5]);
    await keypad.stop();
  });

  it("ignores and counts unknown key codes without stopping", async () => {
    const { keypad, chip, clock, keys } = await rig();
    await keypad.start();
    chip.injectEvent(0x80 | R.matrixKeyCode(0, 5)); // a column we did not wire
    chip.injectEvent(0x80 | 97); // a GPI event code
    chip.injectEvent(0xff); // nonsense
    chip.press("7");
    await clock.advance(20);
    expect(keys).toEqual(["7"]);
    expect(keypad.stats().unknownKeyCodes).toBe(3);
    await keypad.stop();
  });

  it("in interrupt mode drains on the INT falling edge without polling", async () => {
    const { keypad, chip, clock, keys, bus, intPin } = await rig({ safetyPollMs: 60_000 }, true);
    await keypad.start();
    expect(intPin.level).toBe(1);
    bus.transactions = [];
    await clock.advance(5_000);
    expect(bus.transactions).toHaveLength(0); // idle: no bus traffic at all
    chip.type("12");
    await clock.advance(0);
    expect(keys).toEqual(["1", "2"]);
    expect(intPin.level).toBe(1); // K_INT cleared, INT released
    chip.press("3");
    await clock.advance(0);
    expect(keys).toEqual(["1", "2", "3"]);
    await keypad.stop();
  });

  it("in interrupt mode a key reaches onKey after one I2C transaction: the FIFO head is read first", async () => {
    // On a Pi each register read is ~0.1 ms at 400 kHz: reading INT_STAT and the event count
    // before the event put ~0.2 ms between the '#' and the decision. INT already says an event waits.
    const { keypad, chip, clock, keys, keyTimes, bus } = await rig({ safetyPollMs: 60_000 }, true);
    await keypad.start();
    bus.latency(0x34, 1); // every transaction takes 1 ms
    bus.transactions = [];
    const pressedAt = clock.now();
    chip.press("#");
    await clock.advance(1);
    expect(keys).toEqual(["#"]);
    expect(keyTimes[0]).toBe(pressedAt + 1);
    expect(bus.transactions.map((t) => [t.op, t.reg])).toEqual([["read", R.REG_KEY_EVENT_A]]);
    // The rest of the datasheet sequence follows: the release is popped, K_INT cleared, INT released.
    await clock.advance(20);
    expect(keys).toEqual(["#"]);
    expect(chip.queuedEvents).toBe(0);
    expect(bus.writesTo(0x34)).toEqual([[R.REG_INT_STAT, R.INT_K_INT]]);
    await keypad.stop();
  });

  it("in interrupt mode reads keys in order when several wait, and reports an overflow after them", async () => {
    const { keypad, chip, clock, keys, overflows } = await rig({ safetyPollMs: 60_000 }, true);
    await keypad.start();
    // Eleven events while Node is busy (no microtasks run between): the FIFO keeps the oldest ten.
    for (const k of "123456") chip.press(k as never);
    await clock.advance(0);
    expect(keys).toEqual(["1", "2", "3", "4", "5"]);
    expect(overflows).toEqual([5]);
    expect(chip.queuedEvents).toBe(0);
    await keypad.stop();
  });

  it("in interrupt mode catches keys that arrive mid-drain (INT_CFG pulse / re-read)", async () => {
    const { keypad, chip, clock, keys, bus } = await rig({ safetyPollMs: 60_000 }, true);
    await keypad.start();
    bus.latency(0x34, 1); // every transaction takes 1 ms, so keys can land during a drain
    chip.press("1");
    await clock.advance(2);
    chip.press("2");
    await clock.advance(3);
    chip.press("3");
    await clock.advance(50);
    expect(keys).toEqual(["1", "2", "3"]);
    await keypad.stop();
  });

  it("on NACK reports one fault, retries with doubling back-off, re-initialises and recovers", async () => {
    const { keypad, chip, clock, bus, keys, faults, recoveries } = await rig();
    await keypad.start();
    bus.nack(0x34, true);
    await clock.advance(20);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatch(/0x34.*ENXIO/);
    const attempts = () => bus.transactions.length;
    // Record when each retry starts (its first transaction attempt), from the fault onwards.
    const retryTimes: number[] = [];
    const realRead = bus.readRegister.bind(bus);
    const realWrite = bus.writeRegister.bind(bus);
    let lastAttempt = -1;
    const mark = () => {
      if (clock.now() !== lastAttempt) retryTimes.push(clock.now());
      lastAttempt = clock.now();
    };
    bus.readRegister = (a, r, l) => {
      mark();
      return realRead(a, r, l);
    };
    bus.writeRegister = (a, r, d) => {
      mark();
      return realWrite(a, r, d);
    };
    const faultAt = clock.now();
    await clock.advance(40_000);
    const gaps = retryTimes.map((t, i) => t - (retryTimes[i - 1] ?? faultAt));
    expect(gaps.slice(0, 8)).toEqual([100, 200, 400, 800, 1600, 3200, 5000, 5000]);
    expect(faults).toHaveLength(1);
    // The chip lost power meanwhile: recovery must rewrite its matrix setup.
    chip.powerCycle();
    bus.nack(0x34, false);
    const before = attempts();
    await clock.advance(5_000);
    expect(recoveries).toHaveLength(1);
    expect(bus.writesTo(0x34).length).toBeGreaterThan(0);
    expect(chip.peek(R.REG_KP_GPIO1)).toBe(0x0f);
    expect(chip.peek(R.REG_CFG)).toBe(0x19);
    expect(attempts()).toBeGreaterThan(before);
    chip.type("5#");
    await clock.advance(20);
    expect(keys).toEqual(["5", "#"]);
    await keypad.stop();
  });

  it("keeps keys queued during a short transient bus error", async () => {
    const { keypad, chip, clock, bus, keys, faults, recoveries } = await rig();
    await keypad.start();
    chip.type("12");
    bus.failNext(0x34, 1);
    await clock.advance(20);
    expect(faults).toHaveLength(1);
    await clock.advance(100);
    expect(recoveries).toHaveLength(1);
    expect(keys).toEqual(["1", "2"]);
    await keypad.stop();
  });

  it("discards events after an outage longer than staleAfterMs", async () => {
    const { keypad, chip, clock, bus, keys, recoveries } = await rig({ staleAfterMs: 1000 });
    await keypad.start();
    bus.nack(0x34, true);
    chip.type("99");
    await clock.advance(2_000);
    bus.nack(0x34, false);
    await clock.advance(5_000);
    expect(recoveries).toHaveLength(1);
    expect(keys).toEqual([]);
    expect(keypad.stats().staleDiscarded).toBe(4);
    await keypad.stop();
  });

  it("starts even when the chip is absent, reporting a fault", async () => {
    const { keypad, clock, bus, faults, recoveries, chip, keys } = await rig();
    bus.nack(0x34, true);
    await keypad.start();
    expect(faults).toHaveLength(1);
    bus.nack(0x34, false);
    await clock.advance(100);
    expect(recoveries).toHaveLength(1);
    chip.press("8");
    await clock.advance(20);
    expect(keys).toEqual(["8"]);
    await keypad.stop();
  });

  it("stop() leaves no timers and no listeners", async () => {
    const { keypad, chip, clock, keys } = await rig({}, true);
    await keypad.start();
    await keypad.stop();
    expect(clock.pendingTimers()).toBe(0);
    chip.press("1");
    await clock.advance(1000);
    expect(keys).toEqual([]);
  });

  it("survives a throwing onKey handler", async () => {
    const { keypad, chip, clock, keys } = await rig({
      onKey: () => {
        throw new Error("listener bug");
      },
    });
    await keypad.start();
    chip.type("12");
    await clock.advance(20);
    expect(keypad.stats().keysDelivered).toBe(2);
    expect(keys).toEqual([]);
    await keypad.stop();
  });

  it("rejects a malformed layout at construction", async () => {
    await expect(rig({ layout: ["123", "456"] })).rejects.toThrow(/4 rows of 3/);
  });
});
