import { describe, expect, it } from "vitest";
import type { BadgeBadRead, BadgeRead } from "../../devices/badge/badge-events.js";
import {
  decodeWiegand,
  encodeWiegand,
  formatForCard,
  type WiegandFormat,
} from "../../devices/badge/wiegand-frame.js";
import { WiegandReader } from "../../devices/badge/wiegand-reader.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { SimGpioChip } from "../../simulator/sim-gpio.js";
import { VirtualWiegandReader } from "../../simulator/virtual-wiegand-reader.js";

/**
 * Wiegand has no length field: a 34-bit frame that loses its last 8 bits (a stall, a missed short
 * pulse) is 26 bits, and about 1 in 4 of those pass 26-bit parity. Card 87654400 is one: its first
 * 26 bits are a valid W26 frame of card 342400. A reader configured for the one format it sends
 * refuses every other length, valid parity or not.
 */
const CARD_W34 = 87654400;
const TRUNCATED = encodeWiegand(CARD_W34, "W34").slice(0, 26);

/** The real driver on simulated lines, fed by a virtual reader; `reports` in arrival order. */
async function rig(formats?: WiegandFormat[]) {
  const clock = new FakeClock();
  const chip = new SimGpioChip(clock);
  const d0 = chip.pin(5, 1);
  const d1 = chip.pin(6, 1);
  const reports: (BadgeRead | BadgeBadRead)[] = [];
  const reader = new WiegandReader({
    d0: await chip.open(5, "in"),
    d1: await chip.open(6, "in"),
    clock,
    formats,
    onBadge: (r) => reports.push(r),
    onBadRead: (r) => reports.push(r),
  });
  reader.start();
  const virtual = new VirtualWiegandReader({ d0, d1, clock, formats });
  const send = async (sent: Promise<void>) => {
    await clock.advance(200);
    await sent;
  };
  return { virtual, send, reports, stats: () => reader.stats() };
}

describe("a Wiegand reader's accepted formats", () => {
  it("the truncated card really is a valid W26 frame of another number (the danger)", () => {
    expect(decodeWiegand(TRUNCATED)).toMatchObject({ ok: true, format: "W26", number: "342400" });
  });

  it("configured for W34, the first 26 bits of a 34-bit card are a bad read naming the problem, not a badge", async () => {
    const { virtual, send, reports, stats } = await rig(["W34"]);
    await send(virtual.presentRaw(TRUNCATED));
    expect(reports).toEqual([
      { format: "W26", detail: "34-bit frame expected, got 26 bits", atMs: expect.any(Number) },
    ]);
    expect(stats()).toMatchObject({ badges: 0, badReads: 1 });
  });

  // A genuine W26 card, then a W34 card, on readers set to each choice of formats.
  it.each([
    {
      formats: ["W34"] as WiegandFormat[],
      want: [
        { format: "W26", detail: "34-bit frame expected, got 26 bits" },
        { format: "W34", number: String(CARD_W34) },
      ],
    },
    {
      formats: ["W26"] as WiegandFormat[],
      want: [
        { format: "W26", number: "12345678" },
        { format: "W34", detail: "26-bit frame expected, got 34 bits" },
      ],
    },
    {
      formats: undefined, // the default: both read, as before the setting
      want: [
        { format: "W26", number: "12345678" },
        { format: "W34", number: String(CARD_W34) },
      ],
    },
  ])("configured for $formats, only frames of those formats read", async ({ formats, want }) => {
    const { virtual, send, reports } = await rig(formats);
    await send(virtual.present(12345678, "W26"));
    await send(virtual.present(CARD_W34, "W34"));
    expect(reports).toEqual(want.map((w) => ({ ...w, atMs: expect.any(Number) })));
  });

  it("a virtual reader sends each card in the first of its formats the card fits, as a real one would", async () => {
    expect([formatForCard(12345678), formatForCard(CARD_W34), formatForCard(2 ** 32)]).toEqual([
      "W26",
      "W34",
      null,
    ]);
    expect(formatForCard(12345678, ["W34"])).toBe("W34");
    expect(formatForCard(CARD_W34, ["W26"])).toBeNull();

    const { virtual, send, reports } = await rig(["W34"]);
    await send(virtual.presentCard(12345678));
    expect(reports).toMatchObject([{ format: "W34", number: "12345678" }]);
    expect(virtual.canSend(2 ** 32)).toBe(false);
    expect(() => virtual.presentCard(2 ** 32)).toThrow(RangeError);
  });
});
