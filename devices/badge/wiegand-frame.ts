/**
 * Pure Wiegand frame codec for the two formats doorward accepts.
 *
 * Bits are on the wire most significant first; index 0 is the first bit received.
 *
 * W26 (H10301): [P_even] [facility: 8] [card: 16] [P_odd]
 *   - bit 0 makes bits 0..12 (the parity bit and the next 12 data bits) hold an even number of 1s;
 *   - bit 25 makes bits 13..25 (the last 12 data bits and the parity bit) hold an odd number of 1s.
 * W34 (the common 34-bit layout): [P_even] [facility: 16] [card: 16] [P_odd]
 *   - bit 0 covers bits 0..16 (even), bit 33 covers bits 17..33 (odd): each parity bit covers
 *     one half of the 32 data bits, which is also exactly the facility / card split we use.
 *
 * `number` is the decimal value of the data bits without parity, i.e. facility * 65536 + card
 * (24 bits for W26, 32 bits for W34). For a 125 kHz card read through a W34 reader this is the
 * same decimal the RDM6300 reader reports for the tag, so one allowlist entry serves both.
 */

export type WiegandFormat = "W26" | "W34";
export const WIEGAND_FORMATS: readonly WiegandFormat[] = ["W26", "W34"];

/**
 * Why a frame was refused. A refused frame must never become a badge read. A frame of a known
 * length the reader is not set to send gets a sentence ("34-bit frame expected, got 26 bits").
 */
export type WiegandFault =
  | "bad_length"
  | "bad_parity"
  | "bad_bit"
  | `${string}-bit frame expected, got ${number} bits`;

export type WiegandDecodeResult =
  | { ok: true; format: WiegandFormat; facility: number; card: number; number: string }
  /** format is "W<n>" for n received bits, so logs show what arrived (e.g. "W27"). */
  | { ok: false; format: string; detail: WiegandFault };

interface Layout {
  bits: number;
  facilityBits: number;
  cardBits: number;
}

const LAYOUTS: Record<WiegandFormat, Layout> = {
  W26: { bits: 26, facilityBits: 8, cardBits: 16 },
  W34: { bits: 34, facilityBits: 16, cardBits: 16 },
};

function layoutFor(length: number): WiegandFormat | null {
  if (length === LAYOUTS.W26.bits) return "W26";
  if (length === LAYOUTS.W34.bits) return "W34";
  return null;
}

function ones(bits: ReadonlyArray<number>, from: number, toExclusive: number): number {
  let count = 0;
  for (let i = from; i < toExclusive; i++) count += bits[i] === 1 ? 1 : 0;
  return count;
}

/** Reads bits[from..toExclusive) as an unsigned big-endian integer (at most 32 bits). */
function readUint(bits: ReadonlyArray<number>, from: number, toExclusive: number): number {
  let value = 0;
  for (let i = from; i < toExclusive; i++) value = value * 2 + (bits[i] === 1 ? 1 : 0);
  return value;
}

/**
 * Decodes one frame of received bits. Never throws. `accepted` are the formats the reader sends:
 * Wiegand has no length field, so a 34-bit frame cut short after 26 bits (a stall, a missed
 * pulse) passes 26-bit parity about 1 time in 4 and would read as another card. A reader set to
 * W34 refuses every 26-bit frame instead, whatever its parity.
 */
export function decodeWiegand(
  bits: ReadonlyArray<number>,
  accepted: ReadonlyArray<WiegandFormat> = WIEGAND_FORMATS,
): WiegandDecodeResult {
  const format = layoutFor(bits.length);
  if (!format) return { ok: false, format: `W${bits.length}`, detail: "bad_length" };
  if (!accepted.includes(format)) {
    const expected = accepted.map((f) => LAYOUTS[f].bits).join(" or ");
    return { ok: false, format, detail: `${expected}-bit frame expected, got ${bits.length} bits` };
  }
  if (bits.some((b) => b !== 0 && b !== 1)) return { ok: false, format, detail: "bad_bit" };

  const { bits: n, facilityBits } = LAYOUTS[format];
  const half = n / 2; // 13 for W26, 17 for W34: each parity bit plus the data bits it covers
  const evenOk = ones(bits, 0, half) % 2 === 0;
  const oddOk = ones(bits, half, n) % 2 === 1;
  if (!evenOk || !oddOk) return { ok: false, format, detail: "bad_parity" };

  const facility = readUint(bits, 1, 1 + facilityBits);
  const card = readUint(bits, 1 + facilityBits, n - 1);
  return { ok: true, format, facility, card, number: String(facility * 65536 + card) };
}

/**
 * Encodes a credential into a frame (used by the simulator). Accepts either facility and card,
 * or the combined data value (the `number` that decodeWiegand reports). Throws on values that
 * do not fit: a simulator asked to send an impossible card is a test bug, not line noise.
 */
export function encodeWiegand(
  credential: number | { facility: number; card: number },
  format: WiegandFormat,
): (0 | 1)[] {
  const { bits: n, facilityBits, cardBits } = LAYOUTS[format];
  let facility: number;
  let card: number;
  if (typeof credential === "number") {
    facility = Math.floor(credential / 65536);
    card = credential % 65536;
  } else {
    ({ facility, card } = credential);
  }
  const fits = (v: number, width: number) => Number.isInteger(v) && v >= 0 && v < 2 ** width;
  if (!fits(facility, facilityBits) || !fits(card, cardBits)) {
    throw new RangeError(`credential does not fit ${format}: facility ${facility}, card ${card}`);
  }

  const bits: (0 | 1)[] = [0];
  for (let i = facilityBits - 1; i >= 0; i--) bits.push(Math.floor(facility / 2 ** i) % 2 === 1 ? 1 : 0);
  for (let i = cardBits - 1; i >= 0; i--) bits.push(Math.floor(card / 2 ** i) % 2 === 1 ? 1 : 0);
  bits.push(0);

  const half = n / 2;
  bits[0] = ones(bits, 1, half) % 2 === 1 ? 1 : 0; // make the first half even
  bits[n - 1] = ones(bits, half, n - 1) % 2 === 0 ? 1 : 0; // make the second half odd
  return bits;
}

/**
 * The format a reader sending `accepted` formats uses for a card: the first one it fits (so the
 * default, both, sends small numbers as W26 and larger ones as W34, as the simulator always did).
 * Null if the card fits none of them.
 */
export function formatForCard(
  credential: number,
  accepted: ReadonlyArray<WiegandFormat> = WIEGAND_FORMATS,
): WiegandFormat | null {
  const fits = (f: WiegandFormat) =>
    Number.isInteger(credential) && credential >= 0 && credential < 2 ** (LAYOUTS[f].bits - 2);
  return accepted.find(fits) ?? null;
}

/** "1011…" → bits; for tests and the simulator panel. Throws on other characters. */
export function bitsFromString(text: string): (0 | 1)[] {
  return [...text.replace(/[\s_]/g, "")].map((c) => {
    if (c !== "0" && c !== "1") throw new Error(`not a bit: ${JSON.stringify(c)}`);
    return c === "1" ? 1 : 0;
  });
}
