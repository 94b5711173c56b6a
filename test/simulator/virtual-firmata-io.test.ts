import { describe, expect, it } from "vitest";
import type { Level } from "../../devices/types.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { FIRMATA_MODES, VirtualFirmataIo } from "../../simulator/virtual-firmata-io.js";

async function booted() {
  const clock = new FakeClock();
  const io = new VirtualFirmataIo({ clock, bootMs: 10 });
  const events: string[] = [];
  io.on("connect", () => events.push("connect"));
  io.on("ready", () => events.push("ready"));
  await clock.advance(10);
  return { clock, io, events };
}

describe("VirtualFirmataIo", () => {
  it("emits connect then ready after booting, and refuses calls before", async () => {
    const clock = new FakeClock();
    const io = new VirtualFirmataIo({ clock, bootMs: 10 });
    expect(() => io.pinMode(7, FIRMATA_MODES.OUTPUT)).toThrow(/not open/);
    const events: string[] = [];
    io.on("connect", () => events.push("connect"));
    io.on("ready", () => events.push("ready"));
    await clock.advance(10);
    expect(events).toEqual(["connect", "ready"]);
    expect(io.isReady).toBe(true);
  });

  it("drives the latched bit when a pin becomes an output: mode-first glitches an active-low relay", async () => {
    const { io } = await booted();
    const seen: Level[] = [];
    io.wire(7).onChange((l) => seen.push(l));
    io.wire(7).drive(1); // the module's own pull-up holds the input high (relay off)
    io.pinMode(7, FIRMATA_MODES.OUTPUT); // nothing written yet: drives LOW = relay on
    io.digitalWrite(7, 1);
    expect(seen).toEqual([1, 0, 1]);
  });

  it("writing 1 to an input turns its pull-up on, as Firmata 2.5 does", async () => {
    const { io } = await booted();
    io.digitalWrite(8, 1);
    expect(io.pins[8]?.mode).toBe(FIRMATA_MODES.PULLUP);
  });

  it("reports whole ports once per sampling interval", async () => {
    const { io, clock } = await booted();
    io.pinMode(8, FIRMATA_MODES.INPUT);
    io.pinMode(9, FIRMATA_MODES.INPUT);
    const reports: Array<[number, number]> = [];
    io.digitalRead(8, (v) => reports.push([8, v]));
    io.digitalRead(9, (v) => reports.push([9, v]));
    await clock.advance(19);
    reports.length = 0;
    io.wire(9).drive(1);
    io.wire(9).drive(0);
    io.wire(9).drive(1);
    await clock.advance(19);
    expect(reports).toEqual([
      [8, 0],
      [9, 1],
    ]);
    io.wire(16).drive(1); // another port, not reporting: silence
    await clock.advance(19);
    expect(reports).toHaveLength(2);
  });

  it("disconnect emits close, stops reports and makes calls throw", async () => {
    const { io, clock } = await booted();
    const closed: string[] = [];
    io.on("close", () => closed.push("close"));
    const reports: number[] = [];
    io.pinMode(8, FIRMATA_MODES.INPUT);
    io.digitalRead(8, (v) => reports.push(v));
    io.disconnect();
    await clock.advance(19);
    expect(closed).toEqual(["close"]);
    expect(reports).toEqual([]);
    expect(() => io.digitalWrite(7, 1)).toThrow(/not open/);
  });
});
