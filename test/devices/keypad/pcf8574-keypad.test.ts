import { describe, expect, it } from "vitest";
import { Pcf8574Keypad, rowScanByte } from "../../../devices/keypad/pcf8574-keypad.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { SimI2cBus } from "../../../simulator/sim-i2c.js";
import { VirtualPcf8574Matrix } from "../../../simulator/virtual-pcf8574-matrix.js";

function rig() {
  const clock = new FakeClock();
  const bus = new SimI2cBus(clock);
  const matrix = new VirtualPcf8574Matrix({ clock });
  bus.attach(0x20, matrix);
  const keys: string[] = [];
  const faults: string[] = [];
  const recoveries: number[] = [];
  const keypad = new Pcf8574Keypad({
    bus,
    clock,
    scanMs: 20,
    onKey: (e) => keys.push(e.key),
    onFault: (e) => faults.push(e.detail),
    onRecovered: (e) => recoveries.push(e.atMs),
  });
  return { clock, bus, matrix, keypad, keys, faults, recoveries };
}

describe("VirtualPcf8574Matrix", () => {
  it("pulls a column low only when its key joins it to the row driven low", () => {
    const { matrix } = rig();
    matrix.keyDown("5"); // row 1 (P1), column 1 (P5)
    expect([...matrix.readRegister(0xfe, 1)]).toEqual([0xfe]); // row 0 low: nothing joins it
    expect([...matrix.readRegister(0xfd, 1)]).toEqual([0xdd]); // row 1 low pulls P5 low
    matrix.writeRegister(0xff, Buffer.from([0xff]));
    expect(matrix.pins()).toBe(0xff);
  });
});

describe("Pcf8574Keypad", () => {
  it("scans one row at a time with the exact port bytes", async () => {
    const { keypad, bus } = rig();
    expect([0, 1, 2, 3].map(rowScanByte)).toEqual([0xfe, 0xfd, 0xfb, 0xf7]);
    await keypad.start();
    const reads = bus.transactions.filter((t) => t.op === "read").map((t) => t.reg);
    expect(reads).toEqual([0xfe, 0xfd, 0xfb, 0xf7]);
    await keypad.stop();
    expect(bus.writesTo(0x20).at(-1)).toEqual([0xff, 0xff]); // rows released on stop
  });

  it("delivers typed keys in order, once per press", async () => {
    const { keypad, matrix, clock, keys } = rig();
    await keypad.start();
    matrix.type("1234#*0");
    await clock.advance(2_000);
    expect(keys.join("")).toBe("1234#*0");
    expect(keypad.stats().keysDelivered).toBe(7);
    await keypad.stop();
  });

  it("type() with a key not on the keypad throws and types none of the keys", async () => {
    const { keypad, matrix, clock, keys } = rig();
    await keypad.start();
    expect(() => matrix.type("12A4")).toThrow('key "A" is not on this keypad');
    await clock.advance(2_000);
    expect(keys).toEqual([]);
    matrix.type("12");
    await clock.advance(1_000);
    expect(keys).toEqual(["1", "2"]);
    await keypad.stop();
  });

  it("debounces: a contact seen in one scan only is ignored; two consecutive scans count", async () => {
    const { keypad, matrix, clock, keys } = rig();
    await keypad.start();
    await clock.advance(40);
    matrix.keyDown("7");
    await clock.advance(20); // one scan sees it
    matrix.keyUp("7");
    await clock.advance(100);
    expect(keys).toEqual([]);
    matrix.keyDown("7");
    await clock.advance(40); // two scans
    expect(keys).toEqual(["7"]);
    await clock.advance(200); // held: not repeated
    expect(keys).toEqual(["7"]);
    await keypad.stop();
  });

  it("does not report a key already held at start", async () => {
    const { keypad, matrix, clock, keys } = rig();
    matrix.keyDown("9");
    await keypad.start();
    await clock.advance(100);
    expect(keys).toEqual([]);
    matrix.keyUp("9");
    await clock.advance(60);
    matrix.press("9");
    await clock.advance(200);
    expect(keys).toEqual(["9"]);
    await keypad.stop();
  });

  it("drops implausible reads (driven row not low) and counts them", async () => {
    const { keypad, bus, clock, keys } = rig();
    bus.detach(0x20);
    bus.attach(0x20, { readRegister: (_r, n) => Buffer.alloc(n, 0xff), writeRegister: () => {} });
    await keypad.start();
    await clock.advance(100);
    expect(keys).toEqual([]);
    expect(keypad.stats().implausibleReads).toBeGreaterThan(0);
    await keypad.stop();
  });

  it("on NACK reports a fault, backs off, and recovers", async () => {
    const { keypad, bus, matrix, clock, keys, faults, recoveries } = rig();
    await keypad.start();
    bus.nack(0x20, true);
    await clock.advance(20);
    expect(faults).toEqual([expect.stringMatching(/PCF8574 at 0x20.*ENXIO/)]);
    const errors = keypad.stats().i2cErrors;
    await clock.advance(99);
    expect(keypad.stats().i2cErrors).toBe(errors);
    await clock.advance(1);
    expect(keypad.stats().i2cErrors).toBe(errors + 1);
    bus.nack(0x20, false);
    await clock.advance(200);
    expect(recoveries).toHaveLength(1);
    expect(faults).toHaveLength(1);
    matrix.type("12");
    await clock.advance(1_000);
    expect(keys).toEqual(["1", "2"]);
    await keypad.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});
