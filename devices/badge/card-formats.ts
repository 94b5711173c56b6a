/**
 * Card formats for OSDP raw bits and Wiegand frames alike. Pure functions; bit index 0 is the first
 * bit on the wire (most significant). Parity masks use those indices:
 *
 * H10301 (26): P_even[0] over 1..12 | facility 8 [1..8] | card 16 [9..24] | P_odd[25] over 13..24
 * H10306 (34): P_even[0] over 1..16 | facility 16 [1..16] | card 16 [17..32] | P_odd[33] over 17..32
 * H10304 (37): P_even[0] over 1..18 | facility 16 [1..16] | card 19 [17..35] | P_odd[36] over 18..35
 * HID Corporate 1000 (35): P_odd[0] over 1..34 | P_even[1] over {2..33 : i % 3 != 1} |
 *                          company 12 [2..13] | card 20 [14..33] | P_odd[34] over {1..32 : i % 3 != 0}
 * raw: the whole bit string is the credential.
 *
 * The normalised form is "facility:card" (e.g. "123:45678"), which is what an allowlist entry is
 * keyed on, so `badge add USER 123:45678` matches the card whichever format carries it; a raw read
 * normalises to "raw:<bit count>:<hex>".
 */

export type CardFormat = "H10301" | "H10306" | "H10304" | "C1000_35" | "raw";
export const CARD_FORMATS: readonly CardFormat[] = ["H10301", "H10306", "H10304", "C1000_35", "raw"];

export type Bit = 0 | 1;

export type CardDecodeResult =
  | { ok: true; format: CardFormat; facility: number | null; card: number | null; normalized: string }
  | { ok: false; format: CardFormat; detail: "bad_read"; reason: "bad_length" | "bad_parity" | "bad_bit" };

interface ParityRule {
  at: number;
  kind: "even" | "odd";
  over: (i: number) => boolean;
}

interface Layout {
  bits: number;
  facility: [from: number, width: number];
  card: [from: number, width: number];
  parity: ParityRule[];
}

const range = (from: number, to: number) => (i: number) => i >= from && i <= to;

const LAYOUTS: Record<Exclude<CardFormat, "raw">, Layout> = {
  H10301: {
    bits: 26,
    facility: [1, 8],
    card: [9, 16],
    parity: [
      { at: 0, kind: "even", over: range(1, 12) },
      { at: 25, kind: "odd", over: range(13, 24) },
    ],
  },
  H10306: {
    bits: 34,
    facility: [1, 16],
    card: [17, 16],
    parity: [
      { at: 0, kind: "even", over: range(1, 16) },
      { at: 33, kind: "odd", over: range(17, 32) },
    ],
  },
  H10304: {
    bits: 37,
    facility: [1, 16],
    card: [17, 19],
    parity: [
      { at: 0, kind: "even", over: range(1, 18) },
      { at: 36, kind: "odd", over: range(18, 35) },
    ],
  },
  C1000_35: {
    bits: 35,
    facility: [2, 12],
    card: [14, 20],
    // Order matters when encoding: bit 0 covers bits 1 and 34, so it is computed last.
    parity: [
      { at: 1, kind: "even", over: (i) => i >= 2 && i <= 33 && i % 3 !== 1 },
      { at: 34, kind: "odd", over: (i) => i >= 1 && i <= 32 && i % 3 !== 0 },
      { at: 0, kind: "odd", over: range(1, 34) },
    ],
  },
};

export function formatBits(format: CardFormat): number | null {
  return format === "raw" ? null : LAYOUTS[format].bits;
}

function readUint(bits: ReadonlyArray<Bit>, from: number, width: number): number {
  let value = 0;
  for (let i = from; i < from + width; i++) value = value * 2 + (bits[i] as number);
  return value;
}

function parityHolds(bits: ReadonlyArray<Bit>, rule: ParityRule): boolean {
  let ones = bits[rule.at] as number;
  for (let i = 0; i < bits.length; i++) if (i !== rule.at && rule.over(i)) ones += bits[i] as number;
  return rule.kind === "even" ? ones % 2 === 0 : ones % 2 === 1;
}

/** OSDP osdp_RAW data: bitCount bits, first bit in the most significant bit of the first byte. */
export function bitsFromBytes(bytes: Uint8Array, bitCount: number): Bit[] {
  if (bitCount > bytes.length * 8) throw new RangeError(`${bitCount} bits do not fit ${bytes.length} bytes`);
  const bits: Bit[] = [];
  for (let i = 0; i < bitCount; i++) bits.push((((bytes[i >> 3] as number) >> (7 - (i & 7))) & 1) as Bit);
  return bits;
}

export function bytesFromBits(bits: ReadonlyArray<Bit>): Buffer {
  const out = Buffer.alloc(Math.ceil(bits.length / 8));
  bits.forEach((b, i) => {
    if (b) out[i >> 3] = (out[i >> 3] as number) | (0x80 >> (i & 7));
  });
  return out;
}

/** Decodes a read in the reader's configured format. Never throws; a failed check is `bad_read`. */
export function decodeCard(format: CardFormat, bits: ReadonlyArray<number>): CardDecodeResult {
  if (bits.some((b) => b !== 0 && b !== 1))
    return { ok: false, format, detail: "bad_read", reason: "bad_bit" };
  const clean = bits as ReadonlyArray<Bit>;
  if (format === "raw") {
    if (clean.length === 0) return { ok: false, format, detail: "bad_read", reason: "bad_length" };
    const normalized = `raw:${clean.length}:${bytesFromBits(clean).toString("hex")}`;
    return { ok: true, format, facility: null, card: null, normalized };
  }
  const layout = LAYOUTS[format];
  if (clean.length !== layout.bits) return { ok: false, format, detail: "bad_read", reason: "bad_length" };
  if (!layout.parity.every((rule) => parityHolds(clean, rule)))
    return { ok: false, format, detail: "bad_read", reason: "bad_parity" };
  const facility = readUint(clean, ...layout.facility);
  const card = readUint(clean, ...layout.card);
  return { ok: true, format, facility, card, normalized: `${facility}:${card}` };
}

/** Builds the bits of a card (for the simulator and tests). Throws if the numbers do not fit. */
export function encodeCard(format: Exclude<CardFormat, "raw">, facility: number, card: number): Bit[] {
  const layout = LAYOUTS[format];
  const fits = (v: number, width: number) => Number.isInteger(v) && v >= 0 && v < 2 ** width;
  if (!fits(facility, layout.facility[1]) || !fits(card, layout.card[1]))
    throw new RangeError(`${facility}:${card} does not fit ${format}`);
  const bits: Bit[] = new Array(layout.bits).fill(0);
  const write = (value: number, [from, width]: [number, number]) => {
    for (let i = 0; i < width; i++) bits[from + i] = (Math.floor(value / 2 ** (width - 1 - i)) % 2) as Bit;
  };
  write(facility, layout.facility);
  write(card, layout.card);
  for (const rule of layout.parity) {
    bits[rule.at] = 0;
    if (!parityHolds(bits, rule)) bits[rule.at] = 1;
  }
  return bits;
}

/**
 * Parses what an admin types ("123:45678") into the normalised form for a format with a facility
 * code, or null if it is not two decimal numbers that fit the format.
 */
export function normalizeCardNumber(format: CardFormat, text: string): string | null {
  if (format === "raw") return /^raw:\d+:[0-9a-f]+$/.test(text) ? text : null;
  const match = /^(\d{1,10}):(\d{1,10})$/.exec(text.trim());
  if (!match) return null;
  const facility = Number(match[1]);
  const card = Number(match[2]);
  const { facility: f, card: c } = LAYOUTS[format];
  if (facility >= 2 ** f[1] || card >= 2 ** c[1]) return null;
  return `${facility}:${card}`;
}
