import { describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { SimGpioChip } from "../../simulator/sim-gpio.js";
import { VirtualTca8418 } from "../../simulator/virtual-tca8418.js";

function setup() {
  const clock = new FakeClock();
  const gpio = new SimGpioChip(clock);
  const intPin = gpio.pin(4, 1);
  const chip = new VirtualTca8418({ clock, intPin });
  const matrix = () => {
    chip.writeRegister(0x1d, Buffer.from([0x0f]));
    chip.writeRegister(0x1e, Buffer.from([0x07]));
    chip.writeRegister(0x1f, Buffer.from([0x00]));
  };
  return { clock, intPin, chip, matrix };
}

describe("VirtualTca8418", () => {
  it("ignores keys until KP_GPIO puts their row and column in the matrix", () => {
    const { chip, matrix } = setup();
    chip.press("5");
    expect(chip.readRegister(0x03, 1)[0]).toBe(0);
    expect(chip.ignoredPresses).toBe(1);
    matrix();
    chip.press("5");
    // "5" is row 1, column 1: code 1*10+1+1 = 12; press 0x8C then release 0x0C.
    expect(chip.readRegister(0x03, 1)[0]).toBe(2);
    expect(chip.readRegister(0x02, 1)[0]).toBe(0x01);
    expect([
      ...chip.readRegister(0x04, 1),
      ...chip.readRegister(0x04, 1),
      ...chip.readRegister(0x04, 1),
    ]).toEqual([0x8c, 0x0c, 0x00]);
  });

  it("maps the default layout to the datasheet key codes", () => {
    const { chip, matrix } = setup();
    matrix();
    chip.type("1*#");
    const events = [...chip.readRegister(0x04, 6)]; // AI=0: repeated reads of KEY_EVENT_A pop
    // 1 = r0c0 -> 1, * = r3c0 -> 31, # = r3c2 -> 33
    expect(events).toEqual([0x81, 0x01, 0x9f, 0x1f, 0xa1, 0x21]);
  });

  it("clears INT_STAT bits by writing 1, but keeps K_INT while events are queued", () => {
    const { chip, matrix } = setup();
    matrix();
    chip.press("1");
    chip.writeRegister(0x02, Buffer.from([0x01]));
    expect(chip.peek(0x02)).toBe(0x01);
    chip.readRegister(0x04, 2);
    chip.writeRegister(0x02, Buffer.from([0x00])); // writing 0 changes nothing
    expect(chip.peek(0x02)).toBe(0x01);
    chip.writeRegister(0x02, Buffer.from([0x01]));
    expect(chip.peek(0x02)).toBe(0x00);
  });

  it("on overflow with OVR_FLOW_M=0 keeps the oldest ten and sets OVR_FLOW_INT", () => {
    const { chip, matrix } = setup();
    matrix();
    chip.type("123456"); // 12 events
    expect(chip.peek(0x03)).toBe(10);
    expect(chip.peek(0x02)).toBe(0x09);
    expect(chip.lostEvents).toBe(2);
    expect([...chip.readRegister(0x04, 10)].slice(-2)).toEqual([0x8c, 0x0c]); // "5" survives, "6" lost
  });

  it("on overflow with OVR_FLOW_M=1 pushes the oldest out", () => {
    const { chip, matrix } = setup();
    matrix();
    chip.writeRegister(0x01, Buffer.from([0x20]));
    chip.type("123456");
    const events = [...chip.readRegister(0x04, 10)];
    expect(events[0]).toBe(0x82); // "1" pushed out
    expect(events.slice(-2)).toEqual([0x8d, 0x0d]); // "6" kept
  });

  it("drives INT low while K_INT is set and KE_IEN enabled, and pulses it with INT_CFG=1", async () => {
    const { chip, matrix, intPin, clock } = setup();
    matrix();
    chip.press("1");
    expect(intPin.level).toBe(1); // KE_IEN off: status only
    chip.writeRegister(0x01, Buffer.from([0x11])); // KE_IEN | INT_CFG
    expect(intPin.level).toBe(0);
    const levels: number[] = [];
    intPin.onChange((l) => levels.push(l));
    chip.writeRegister(0x02, Buffer.from([0x01])); // events still queued
    await clock.advance(1);
    expect(levels).toEqual([1, 0]);
    chip.readRegister(0x04, 2);
    chip.writeRegister(0x02, Buffer.from([0x01]));
    expect(intPin.level).toBe(1);
  });

  it("auto-increments the register pointer only with AI set", () => {
    const { chip } = setup();
    chip.writeRegister(0x1d, Buffer.from([0x0f, 0x07, 0x00]));
    expect(chip.peek(0x1d)).toBe(0x00); // AI=0: all three bytes went to KP_GPIO1
    chip.writeRegister(0x01, Buffer.from([0x80]));
    chip.writeRegister(0x1d, Buffer.from([0x0f, 0x07, 0x03]));
    expect([...chip.readRegister(0x1d, 3)]).toEqual([0x0f, 0x07, 0x03]);
  });

  it("loses its configuration and FIFO on a power cycle", () => {
    const { chip, matrix } = setup();
    matrix();
    chip.press("1");
    chip.powerCycle();
    expect(chip.peek(0x1d)).toBe(0);
    expect(chip.queuedEvents).toBe(0);
  });
});
