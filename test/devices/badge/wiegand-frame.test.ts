import { describe, expect, it } from "vitest";
import { bitsFromString, decodeWiegand, encodeWiegand } from "../../../devices/badge/wiegand-frame.js";

/*
 * Golden frames, computed by hand (not with our encoder).
 *
 * W26, facility 123, card 45678:
 *   123   = 0x7B   = 0111 1011                    (six 1s)
 *   45678 = 0xB26E = 1011 0010 0110 1110          (4 + 1 + 2 + 3 = ten 1s)
 *   first 12 data bits  0111 1011 1011  -> 9 ones  -> even parity bit 1
 *   last 12 data bits   0010 0110 1110  -> 6 ones  -> odd parity bit 1
 *   frame: 1 | 01111011 | 1011001001101110 | 1
 *   number: 123 * 65536 + 45678 = 8060928 + 45678 = 8106606
 *
 * W26, facility 1, card 1:
 *   first 12: 00000001 0000 -> 1 one -> P_even 1; last 12: 0000 00000001 -> 1 one -> P_odd 0
 *   frame: 1 | 00000001 | 0000000000000001 | 0
 *
 * W26, facility 0, card 0: no ones -> P_even 0, P_odd 1
 *   frame: 0 | 00000000 | 0000000000000000 | 1
 *
 * W34, facility 1234, card 56789:
 *   1234  = 0x04D2 = 0000 0100 1101 0010 -> 5 ones  -> P_even 1
 *   56789 = 0xDDD5 = 1101 1101 1101 0101 -> 11 ones -> P_odd 0
 *   frame: 1 | 0000010011010010 | 1101110111010101 | 0
 *   number: 1234 * 65536 + 56789 = 80871424 + 56789 = 80928213
 */
const GOLDEN = [
  { text: "1 01111011 1011001001101110 1", format: "W26", facility: 123, card: 45678, number: "8106606" },
  { text: "1 00000001 0000000000000001 0", format: "W26", facility: 1, card: 1, number: "65537" },
  { text: "0 00000000 0000000000000000 1", format: "W26", facility: 0, card: 0, number: "0" },
  {
    text: "1 0000010011010010 1101110111010101 0",
    format: "W34",
    facility: 1234,
    card: 56789,
    number: "80928213",
  },
] as const;

describe("decodeWiegand", () => {
  for (const g of GOLDEN) {
    it(`decodes the hand-computed ${g.format} frame for ${g.facility}/${g.card}`, () => {
      expect(decodeWiegand(bitsFromString(g.text))).toEqual({
        ok: true,
        format: g.format,
        facility: g.facility,
        card: g.card,
        number: g.number,
      });
    });
  }

  it("refuses a W26 frame whose leading even parity bit is flipped", () => {
    expect(decodeWiegand(bitsFromString("0 01111011 1011001001101110 1"))).toEqual({
      ok: false,
      format: "W26",
      detail: "bad_parity",
    });
  });

  it("refuses a W26 frame whose trailing odd parity bit is flipped", () => {
    expect(decodeWiegand(bitsFromString("1 01111011 1011001001101110 0"))).toMatchObject({
      ok: false,
      detail: "bad_parity",
    });
  });

  it("refuses a frame with one data bit flipped in either half", () => {
    const good = bitsFromString(GOLDEN[0].text);
    for (const index of [3, 20]) {
      const bad = [...good];
      bad[index] = bad[index] === 1 ? 0 : 1;
      expect(decodeWiegand(bad)).toMatchObject({ ok: false, detail: "bad_parity" });
    }
  });

  it("refuses a W34 frame with a flipped card bit", () => {
    const bad = bitsFromString("1 0000010011010010 1101110111010100 0");
    expect(decodeWiegand(bad)).toEqual({ ok: false, format: "W34", detail: "bad_parity" });
  });

  it("refuses every length other than 26 and 34, naming what arrived", () => {
    for (const n of [0, 1, 4, 25, 27, 32, 33, 35, 37, 64]) {
      expect(decodeWiegand(new Array(n).fill(1))).toEqual({
        ok: false,
        format: `W${n}`,
        detail: "bad_length",
      });
    }
  });

  it("refuses values other than 0 and 1", () => {
    const bits: number[] = bitsFromString(GOLDEN[0].text);
    bits[5] = 2;
    expect(decodeWiegand(bits)).toEqual({ ok: false, format: "W26", detail: "bad_bit" });
  });
});

describe("encodeWiegand", () => {
  for (const g of GOLDEN) {
    it(`produces the hand-computed ${g.format} frame for ${g.facility}/${g.card}`, () => {
      expect(encodeWiegand({ facility: g.facility, card: g.card }, g.format)).toEqual(bitsFromString(g.text));
      expect(encodeWiegand(Number(g.number), g.format)).toEqual(bitsFromString(g.text));
    });
  }

  it("rejects credentials that do not fit the format", () => {
    expect(() => encodeWiegand({ facility: 256, card: 1 }, "W26")).toThrow(RangeError);
    expect(() => encodeWiegand({ facility: 1, card: 65536 }, "W34")).toThrow(RangeError);
    expect(() => encodeWiegand(2 ** 24, "W26")).toThrow(RangeError);
    expect(() => encodeWiegand(-1, "W34")).toThrow(RangeError);
  });

  it("round-trips the extremes of both formats", () => {
    for (const [format, max] of [
      ["W26", 2 ** 24 - 1],
      ["W34", 2 ** 32 - 1],
    ] as const) {
      for (const value of [0, 1, 0x5a5a, max]) {
        expect(decodeWiegand(encodeWiegand(value, format))).toMatchObject({
          ok: true,
          number: String(value),
        });
      }
    }
  });
});
