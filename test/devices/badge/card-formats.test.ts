import { describe, expect, it } from "vitest";
import {
  bitsFromBytes,
  bytesFromBits,
  type CardFormat,
  decodeCard,
  encodeCard,
  normalizeCardNumber,
} from "../../../devices/badge/card-formats.js";
import { bitsFromString, decodeWiegand } from "../../../devices/badge/wiegand-frame.js";
import { seededRandom } from "../../helpers/seeded-random.js";

type Fixed = Exclude<CardFormat, "raw">;
const LENGTHS: Record<Fixed, number> = { H10301: 26, H10306: 34, H10304: 37, C1000_35: 35 };

describe("card formats", () => {
  it("decodes the hand-computed H10301 frame 123:45678 (the golden frame of the Wiegand tests)", () => {
    expect(decodeCard("H10301", bitsFromString("1 01111011 1011001001101110 1"))).toEqual({
      ok: true,
      format: "H10301",
      facility: 123,
      card: 45678,
      normalized: "123:45678",
    });
  });

  it("agrees with the existing Wiegand decoder on H10301 / H10306 for random cards", () => {
    const random = seededRandom(26);
    for (let i = 0; i < 200; i++) {
      const facility = Math.floor(random() * 256);
      const card = Math.floor(random() * 65536);
      const w26 = decodeWiegand(encodeCard("H10301", facility, card));
      expect(w26).toMatchObject({ ok: true, facility, card });
      const wide = Math.floor(random() * 65536);
      expect(decodeWiegand(encodeCard("H10306", wide, card))).toMatchObject({
        ok: true,
        facility: wide,
        card,
      });
    }
  });

  it("H10304: parity bits cover bits 1..18 (even) and 18..35 (odd), bit 18 in both", () => {
    // facility 0, card with only bit 18 set (the card field's MSB is bit 17, so card = 2^17).
    const bits = encodeCard("H10304", 0, 2 ** 17);
    expect(bits[18]).toBe(1);
    expect(bits[0]).toBe(1); // one 1 in 1..18 -> even parity bit 1
    expect(bits[36]).toBe(0); // one 1 in 18..35 -> odd parity already holds
    expect(decodeCard("H10304", bits)).toMatchObject({ ok: true, facility: 0, card: 131072 });
  });

  it("Corporate 1000: all-zero data gives P0 = 0, P1 = 0, P34 = 1 (odd over an odd total)", () => {
    const bits = encodeCard("C1000_35", 0, 0);
    // P1 even over nothing -> 0; P34 odd over nothing -> 1; P0 odd over bits 1..34 (one 1) -> 0.
    expect([bits[0], bits[1], bits[34]]).toEqual([0, 0, 1]);
    expect(decodeCard("C1000_35", bits)).toMatchObject({ ok: true, facility: 0, card: 0, normalized: "0:0" });
  });

  for (const format of Object.keys(LENGTHS) as Fixed[]) {
    it(`${format}: round-trips and refuses every single flipped bit`, () => {
      const random = seededRandom(LENGTHS[format]);
      const bits = encodeCard(format, 1234 % 256, Math.floor(random() * 65536));
      expect(bits).toHaveLength(LENGTHS[format]);
      expect(decodeCard(format, bits).ok).toBe(true);
      // Every bit is covered by at least one parity bit, so any single flip is caught.
      for (let i = 0; i < bits.length; i++) {
        const flipped = [...bits];
        flipped[i] = flipped[i] === 1 ? 0 : 1;
        expect(decodeCard(format, flipped)).toMatchObject({
          ok: false,
          detail: "bad_read",
          reason: "bad_parity",
        });
      }
      expect(decodeCard(format, bits.slice(1))).toMatchObject({ ok: false, reason: "bad_length" });
    });
  }

  it("raw keeps the whole bit string", () => {
    expect(decodeCard("raw", bitsFromString("1010 1"))).toEqual({
      ok: true,
      format: "raw",
      facility: null,
      card: null,
      normalized: "raw:5:a8",
    });
    expect(decodeCard("raw", [])).toMatchObject({ ok: false, reason: "bad_length" });
    expect(decodeCard("raw", [0, 2])).toMatchObject({ ok: false, reason: "bad_bit" });
  });

  it("converts OSDP raw bytes to bits most significant first and back", () => {
    const bits = encodeCard("H10301", 123, 45678);
    const bytes = bytesFromBits(bits);
    expect(bytes).toHaveLength(4);
    expect(bitsFromBytes(bytes, 26)).toEqual(bits);
    expect(() => bitsFromBytes(bytes, 33)).toThrow(RangeError);
  });

  it("normalises what an admin types", () => {
    expect(normalizeCardNumber("H10301", " 123:45678 ")).toBe("123:45678");
    expect(normalizeCardNumber("H10301", "256:1")).toBeNull();
    expect(normalizeCardNumber("H10304", "65535:524287")).toBe("65535:524287");
    expect(normalizeCardNumber("C1000_35", "abc")).toBeNull();
    expect(() => encodeCard("H10301", 256, 1)).toThrow(RangeError);
  });
});
