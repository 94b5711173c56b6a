import { beforeEach, describe, expect, it } from "vitest";
import type { BadgeBadRead, BadgeRead } from "../../devices/badge/badge-events.js";
import { bitsFromString } from "../../devices/badge/wiegand-frame.js";
import { WiegandReader } from "../../devices/badge/wiegand-reader.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { SimGpioChip, type SimPin } from "../../simulator/sim-gpio.js";
import { VirtualWiegandReader } from "../../simulator/virtual-wiegand-reader.js";

describe("VirtualWiegandReader", () => {
  let clock: FakeClock;
  let chip: SimGpioChip;
  let d0: SimPin;
  let d1: SimPin;

  beforeEach(() => {
    clock = new FakeClock();
    chip = new SimGpioChip(clock);
    d0 = chip.pin(5, 1);
    d1 = chip.pin(6, 1);
  });

  /** Records the wire as (time offset, line, level) so the pulse train itself is checked. */
  function recordWire(): string[] {
    const t0 = clock.now();
    const log: string[] = [];
    d0.onChange((level) => log.push(`${clock.now() - t0} D0 ${level}`));
    d1.onChange((level) => log.push(`${clock.now() - t0} D1 ${level}`));
    return log;
  }

  it("sends one low pulse per bit on the right line, 2 ms apart, lines idle high", async () => {
    const virtual = new VirtualWiegandReader({ d0, d1, clock });
    const wire = recordWire();
    const sent = virtual.presentRaw(bitsFromString("1001"));
    await clock.advance(10);
    await sent;
    expect(wire).toEqual(["0 D1 0", "0 D1 1", "2 D0 0", "2 D0 1", "4 D0 0", "4 D0 1", "6 D1 0", "6 D1 1"]);
    expect([d0.level, d1.level]).toEqual([1, 1]);
  });

  it("can hold each pulse low for 1 ms", async () => {
    const virtual = new VirtualWiegandReader({ d0, d1, clock, pulseLowMs: 1 });
    const wire = recordWire();
    virtual.presentRaw([0, 1]);
    await clock.advance(10);
    expect(wire).toEqual(["0 D0 0", "1 D0 1", "2 D1 0", "3 D1 1"]);
  });

  describe("driving the real WiegandReader through SimGpioChip lines", () => {
    let badges: BadgeRead[];
    let badReads: BadgeBadRead[];
    let reader: WiegandReader;

    beforeEach(async () => {
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

    it("a presented W26 card becomes one badge read", async () => {
      const virtual = new VirtualWiegandReader({ d0, d1, clock });
      virtual.present({ facility: 123, card: 45678 }, "W26");
      await clock.advance(100);
      expect(badges).toMatchObject([{ number: "8106606", format: "W26" }]);
      expect(badReads).toEqual([]);
    });

    it("a W34 card given by number, with 1 ms pulses, reads back the same number", async () => {
      const virtual = new VirtualWiegandReader({ d0, d1, clock, pulseLowMs: 1 });
      virtual.present(80928213, "W34");
      await clock.advance(100);
      expect(badges).toMatchObject([{ number: "80928213", format: "W34" }]);
    });

    it("queued presentations keep the frame gap, so both are read", async () => {
      const virtual = new VirtualWiegandReader({ d0, d1, clock });
      virtual.present({ facility: 1, card: 1 });
      virtual.present({ facility: 2, card: 2 });
      await clock.advance(300);
      expect(badges.map((b) => b.number)).toEqual(["65537", "131074"]);
    });

    it("a bad-parity frame from presentRaw is a bad read, never a badge", async () => {
      const virtual = new VirtualWiegandReader({ d0, d1, clock });
      virtual.presentRaw(bitsFromString("1 01111011 1011001001101110 0")); // odd parity flipped
      await clock.advance(100);
      expect(badges).toEqual([]);
      expect(badReads).toMatchObject([{ format: "W26", detail: "bad_parity" }]);
    });

    it("a stuck line makes frames refused until released", async () => {
      const virtual = new VirtualWiegandReader({ d0, d1, clock });
      virtual.holdLow("d0");
      virtual.present({ facility: 123, card: 45678 });
      await clock.advance(100);
      expect(d0.level).toBe(0); // pulses on a held line do not release it
      virtual.release();
      virtual.present({ facility: 123, card: 45678 });
      await clock.advance(100);
      expect(badReads).toMatchObject([{ detail: "both_lines_low" }]);
      expect(badges).toMatchObject([{ number: "8106606" }]);
    });

    it("dispose cancels a frame in flight; the 3-bit stub is counted as noise, never read", async () => {
      const virtual = new VirtualWiegandReader({ d0, d1, clock });
      virtual.present({ facility: 123, card: 45678 });
      await clock.advance(5); // three bits sent
      virtual.dispose();
      await clock.advance(100);
      expect(badges).toEqual([]);
      expect(reader.stats().noiseFrames).toBe(1);
      expect(clock.pendingTimers()).toBe(0);
    });
  });
});
