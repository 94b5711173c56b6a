import five from "johnny-five";
import { describe, expect, it } from "vitest";
import { type IoPluginLike, JohnnyFiveGpioChip } from "../../../devices/transports/johnny-five-gpio.js";
import type { GpioLine, GpioLineOptions, Level } from "../../../devices/types.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { FIRMATA_MODES, VirtualFirmataIo } from "../../../simulator/virtual-firmata-io.js";

const RELAY = 7;
const CONTACT = 8;
const REX = 9;

async function connected(opts: { pullUpOffsets?: number[] } = {}) {
  const clock = new FakeClock();
  const io = new VirtualFirmataIo({ clock, bootMs: 50 });
  const pending = JohnnyFiveGpioChip.connect(io, { clock, ...opts });
  await clock.advance(50);
  const chip = await pending;
  return { clock, io, chip };
}

/** Opens an input and lets the board's first port report arrive (Firmata samples every 19 ms). */
async function openInput(
  chip: JohnnyFiveGpioChip,
  clock: FakeClock,
  offset: number,
  opts: GpioLineOptions = {},
): Promise<GpioLine> {
  const pending = chip.open(offset, "in", opts);
  await clock.advance(19);
  return pending;
}

/** Records the wire level of a pin whenever the board drives it as an output. */
function outputLevels(io: VirtualFirmataIo, pin: number): Level[] {
  const levels: Level[] = [];
  io.wire(pin).onChange((level) => {
    if (io.pins[pin]?.mode === FIRMATA_MODES.OUTPUT) levels.push(level);
  });
  return levels;
}

describe("JohnnyFiveGpioChip over a virtual Firmata board", () => {
  it("waits for the board's ready event through johnny-five", async () => {
    const { chip, io } = await connected();
    expect(io.isReady).toBe(true);
    expect(chip.failure).toBeNull();
  });

  it("gives up when the board never becomes ready", async () => {
    const clock = new FakeClock();
    const io = new VirtualFirmataIo({ clock, bootMs: null });
    const pending = JohnnyFiveGpioChip.connect(io, { clock, readyTimeoutMs: 3_000 });
    const outcome = pending.catch((e: Error) => e);
    await clock.advance(3_000);
    expect(((await outcome) as Error).message).toMatch(/not ready after 3000 ms/);
  });

  it("commands an active-low relay locked explicitly at open, never driving it active", async () => {
    const { chip, io } = await connected();
    const levels = outputLevels(io, RELAY);
    const relay = await chip.open(RELAY, "out", { activeLow: true });
    expect(io.calls.filter((c) => c.pin === RELAY)).toEqual([
      { op: "digitalWrite", pin: RELAY, value: 1 },
      { op: "pinMode", pin: RELAY, mode: FIRMATA_MODES.OUTPUT },
      { op: "digitalWrite", pin: RELAY, value: 1 },
    ]);
    expect(io.wire(RELAY).level).toBe(1); // inactive: the relay module is released
    expect(await relay.read()).toBe(0);
    await relay.write(1);
    expect(io.wire(RELAY).level).toBe(0);
    await relay.write(0);
    expect(levels).toEqual([1, 0, 1]);
  });

  it("commands an active-high relay low at open", async () => {
    const { chip, io } = await connected();
    await chip.open(RELAY, "out");
    expect(io.wire(RELAY).level).toBe(0);
    expect(io.pins[RELAY]?.mode).toBe(FIRMATA_MODES.OUTPUT);
  });

  it("shows why: johnny-five's Relay writes no initial state", async () => {
    const { chip, io } = await connected();
    void chip;
    const before = io.calls.length;
    new five.Relay({ pin: RELAY, type: "NC", board: chip.board as never });
    expect(io.calls.slice(before).filter((c) => c.op === "digitalWrite")).toEqual([]);
  });

  it("reads the first report before open resolves, then reports edges with active-low inversion", async () => {
    const { chip, io, clock } = await connected();
    const contact = await openInput(chip, clock, CONTACT, { activeLow: true });
    expect(await contact.read()).toBe(1); // wire low = logical 1 for an active-low input
    const other = await openInput(chip, clock, CONTACT + 1);
    const edges: Array<[Level, number]> = [];
    contact.watch((level, at) => edges.push([level, at]));
    io.wire(CONTACT).drive(1);
    await clock.advance(19);
    const t0 = clock.now();
    io.wire(CONTACT + 1).drive(1); // same port: the contact is reported again, unchanged
    await clock.advance(19);
    expect(edges).toEqual([[0, t0]]);
    expect(await contact.read()).toBe(0);
    expect(await other.read()).toBe(1);
  });

  it("rejects an input whose level the board never reports, and frees the pin", async () => {
    const { chip, io, clock } = await connected();
    io.reportsMuted = true;
    const outcome = chip.open(CONTACT, "in").catch((e: Error) => e);
    await clock.advance(1_000);
    expect(((await outcome) as Error).message).toMatch(/no report from the board within 1000 ms/);
    expect(io.listenerCount(`digital-read-${CONTACT}`)).toBe(0);
    io.reportsMuted = false;
    await openInput(chip, clock, CONTACT);
  });

  it("debounces with the clock: a chattering contact gives one edge after it settles", async () => {
    const { chip, io, clock } = await connected();
    io.wire(REX).drive(1);
    const rex = await openInput(chip, clock, REX, { debounceMs: 50 });
    const edges: Level[] = [];
    rex.watch((level) => edges.push(level));
    for (const level of [0, 1, 0, 1, 0] as Level[]) {
      io.wire(REX).drive(level);
      await clock.advance(20);
    }
    expect(edges).toEqual([]);
    await clock.advance(60);
    expect(edges).toEqual([0]);
  });

  it("opens configured inputs with the board's pull-up", async () => {
    const { chip, io, clock } = await connected({ pullUpOffsets: [REX] });
    await openInput(chip, clock, REX);
    expect(io.pins[REX]?.mode).toBe(FIRMATA_MODES.PULLUP);
  });

  it("refuses a pull-up the plugin cannot provide", async () => {
    const clock = new FakeClock();
    const io = new VirtualFirmataIo({ clock });
    await clock.advance(0);
    const noPullUp: IoPluginLike = Object.assign(Object.create(io), { MODES: { INPUT: 0, OUTPUT: 1 } });
    const chip = new JohnnyFiveGpioChip(
      { io: noPullUp, on: () => undefined },
      { clock, pullUpOffsets: [REX] },
    );
    await expect(chip.open(REX, "in")).rejects.toThrow(/no pull-up mode/);
  });

  it("rejects absent, reserved and busy pins, and writes to inputs", async () => {
    const { chip, clock } = await connected();
    await expect(chip.open(40, "in")).rejects.toThrow(/does not exist/);
    await expect(chip.open(1, "out")).rejects.toThrow(/does not exist/); // the USB serial pins
    const input = await openInput(chip, clock, CONTACT);
    await expect(chip.open(CONTACT, "out")).rejects.toThrow(/busy/);
    await expect(input.write(1)).rejects.toThrow(/input/);
  });

  it("fails every line once the board disconnects, and tells the fault listener", async () => {
    const { chip, io } = await connected();
    const relay = await chip.open(RELAY, "out", { activeLow: true });
    const faults: string[] = [];
    chip.onFault((err) => faults.push(err.message));
    io.disconnect();
    expect(faults).toEqual(["johnny-five board closed"]);
    await expect(relay.write(1)).rejects.toThrow(/closed/);
    await expect(relay.read()).rejects.toThrow(/closed/);
    await expect(chip.open(CONTACT, "in")).rejects.toThrow(/closed/);
    await relay.close(); // does not throw on a dead board
  });

  it("close stops edges, frees the pin, and leaves an output inactive", async () => {
    const { chip, io, clock } = await connected();
    const relay = await chip.open(RELAY, "out", { activeLow: true });
    await relay.write(1);
    await relay.close();
    expect(io.wire(RELAY).level).toBe(1);
    await expect(relay.write(1)).rejects.toThrow(/closed/);
    const contact = await openInput(chip, clock, CONTACT);
    const edges: Level[] = [];
    contact.watch((l) => edges.push(l));
    await contact.close();
    io.wire(CONTACT).drive(1);
    await clock.advance(50);
    expect(edges).toEqual([]);
    expect(io.listenerCount(`digital-read-${CONTACT}`)).toBe(0);
    await openInput(chip, clock, CONTACT);
  });
});
