import { beforeEach, describe, expect, it } from "vitest";
import type { BadgeBadRead, BadgeRead } from "../../../devices/badge/badge-events.js";
import { bitsFromString } from "../../../devices/badge/wiegand-frame.js";
import { WiegandReader } from "../../../devices/badge/wiegand-reader.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { SimGpioChip, type SimPin } from "../../../simulator/sim-gpio.js";

// Hand-computed in wiegand-frame.test.ts: W26 facility 123, card 45678 -> number 8106606.
const W26_123_45678 = "1 01111011 1011001001101110 1";

describe("WiegandReader", () => {
  let clock: FakeClock;
  let d0: SimPin;
  let d1: SimPin;
  let reader: WiegandReader;
  let badges: BadgeRead[];
  let badReads: BadgeBadRead[];
  let t0: number;

  /** One bit as the wire carries it: a low pulse on D0 or D1, then 2 ms to the next bit. */
  async function sendBits(text: string, spacingMs = 2): Promise<void> {
    for (const bit of bitsFromString(text)) {
      const pin = bit === 1 ? d1 : d0;
      pin.drive(0);
      pin.drive(1);
      await clock.advance(spacingMs);
    }
  }

  beforeEach(async () => {
    clock = new FakeClock();
    t0 = clock.now();
    const chip = new SimGpioChip(clock);
    d0 = chip.pin(5, 1);
    d1 = chip.pin(6, 1);
    badges = [];
    badReads = [];
    reader = new WiegandReader({
      d0: await chip.open(5, "in"),
      d1: await chip.open(6, "in"),
      clock,
      onBadge: (read) => badges.push(read),
      onBadRead: (bad) => badReads.push(bad),
    });
    reader.start();
  });

  it("decodes a golden W26 frame only after 25 ms of silence, stamped with the last bit's time", async () => {
    await sendBits(W26_123_45678); // bits at t0, t0+2, ... t0+50; now t0+52
    const lastBitAt = t0 + 25 * 2;
    await clock.advance(lastBitAt + 24 - clock.now());
    expect(badges).toEqual([]);
    await clock.advance(1);
    expect(badges).toEqual([{ number: "8106606", format: "W26", atMs: lastBitAt }]);
    expect(badReads).toEqual([]);
    expect(reader.stats()).toEqual({ badges: 1, badReads: 0, noiseFrames: 0 });
    expect(clock.pendingTimers()).toBe(0);
  });

  it("decodes a golden W34 frame (facility 1234, card 56789)", async () => {
    await sendBits("1 0000010011010010 1101110111010101 0");
    await clock.advance(30);
    expect(badges).toMatchObject([{ number: "80928213", format: "W34" }]);
  });

  it("reports a parity error as a bad read and never as a badge", async () => {
    await sendBits("0 01111011 1011001001101110 1"); // leading parity flipped
    await clock.advance(30);
    await sendBits("1 01111011 1011001001101110 0"); // trailing parity flipped
    await clock.advance(30);
    expect(badges).toEqual([]);
    expect(badReads).toMatchObject([
      { format: "W26", detail: "bad_parity" },
      { format: "W26", detail: "bad_parity" },
    ]);
  });

  it("reports wrong bit counts as bad_length", async () => {
    await sendBits(W26_123_45678.slice(0, -1)); // 25 bits: the last one lost
    await clock.advance(30);
    await sendBits(`${W26_123_45678}1`); // 27 bits: a glitch added
    await clock.advance(30);
    expect(badges).toEqual([]);
    expect(badReads).toMatchObject([
      { format: "W25", detail: "bad_length" },
      { format: "W27", detail: "bad_length" },
    ]);
  });

  it("counts frames under 4 bits as noise without reporting them", async () => {
    await sendBits("1");
    await clock.advance(30);
    await sendBits("010");
    await clock.advance(30);
    expect(badges).toEqual([]);
    expect(badReads).toEqual([]);
    expect(reader.stats().noiseFrames).toBe(2);
  });

  it("keeps collecting while bits keep coming: the silence timer is re-armed on every bit", async () => {
    await sendBits(W26_123_45678, 20); // 20 ms spacing: slow but legal
    await clock.advance(30);
    expect(badges).toMatchObject([{ number: "8106606" }]);
  });

  it("merges two frames that are not separated by the gap (and refuses the result)", async () => {
    await sendBits(W26_123_45678);
    await clock.advance(10);
    await sendBits(W26_123_45678);
    await clock.advance(30);
    expect(badges).toEqual([]);
    expect(badReads).toMatchObject([{ format: "W52", detail: "bad_length" }]);
  });

  it("reads two separated presentations as two badges", async () => {
    await sendBits(W26_123_45678);
    await clock.advance(30);
    await sendBits("1 00000001 0000000000000001 0");
    await clock.advance(30);
    expect(badges.map((b) => b.number)).toEqual(["8106606", "65537"]);
  });

  it("refuses a frame sent while the other line is held low (short or failed reader)", async () => {
    d0.drive(0); // D0 stuck low: every D1 pulse arrives with both lines low
    await sendBits("1".repeat(26));
    d0.drive(1);
    await clock.advance(30);
    expect(badges).toEqual([]);
    expect(badReads).toMatchObject([{ detail: "both_lines_low" }]);
  });

  it("bounds memory on an endless burst and reports it as bad_length", async () => {
    await sendBits("1".repeat(200), 1);
    await clock.advance(30);
    expect(badReads).toMatchObject([{ format: "W200", detail: "bad_length" }]);
  });

  it("discards a half-received frame on stop and leaves no timer behind", async () => {
    await sendBits(W26_123_45678.slice(0, 12));
    reader.stop();
    expect(clock.pendingTimers()).toBe(0);
    await sendBits(W26_123_45678);
    await clock.advance(30);
    expect(badges).toEqual([]);
    expect(badReads).toEqual([]);
  });

  it("keeps working after a callback throws", async () => {
    let calls = 0;
    const chip = new SimGpioChip(clock);
    d0 = chip.pin(1, 1);
    d1 = chip.pin(2, 1);
    const throwing = new WiegandReader({
      d0: await chip.open(1, "in"),
      d1: await chip.open(2, "in"),
      clock,
      onBadge: () => {
        calls++;
        throw new Error("listener bug");
      },
      onBadRead: () => {},
    });
    throwing.start();
    await sendBits(W26_123_45678);
    await expect(clock.advance(30)).rejects.toThrow("listener bug");
    await sendBits(W26_123_45678);
    await clock.advance(30).catch(() => {});
    expect(calls).toBe(2);
  });
});
