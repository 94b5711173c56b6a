/**
 * The one form a badge number is hashed in, whichever reader read it and however an admin typed
 * it, so one allowlist entry matches a card on Wiegand 26/34, RDM6300 and OSDP alike:
 *
 * - decimal digits (what Wiegand and RDM6300 report: facility * 65536 + card) stay decimal,
 *   without leading zeros;
 * - "facility:card" (OSDP card formats, `badge add USER 123:45678`) becomes that same decimal when
 *   both halves fit 16 bits (H10301, H10306 and most H10304/Corp 1000 cards), so a card read on an
 *   OSDP reader matches the entry made from a Wiegand read; a card number of 65536 or more (only
 *   H10304 and Corp 1000 have room for one) keeps the "facility:card" form, which no decimal can
 *   equal, so two different cards never share a key;
 * - "raw:<bits>:<hex>" (an OSDP reader in `raw` format) stays as it is, hex in lower case.
 *
 * Returns null for anything else.
 */
export function canonicalBadgeNumber(text: string): string | null {
  const s = text.trim();
  if (/^\d{1,12}$/.test(s)) return String(BigInt(s));
  const pair = /^(\d{1,10}):(\d{1,10})$/.exec(s);
  if (pair) {
    const facility = BigInt(pair[1] as string);
    const card = BigInt(pair[2] as string);
    if (facility >= 2n ** 32n || card >= 2n ** 32n) return null;
    if (facility < 65536n && card < 65536n) return String(facility * 65536n + card);
    return `${facility}:${card}`;
  }
  const raw = /^raw:(\d{1,3}):([0-9a-fA-F]{1,64})$/.exec(s);
  if (raw) {
    const bits = Number(raw[1]);
    const hex = (raw[2] as string).toLowerCase();
    if (bits < 1 || Math.ceil(bits / 8) * 2 !== hex.length) return null;
    return `raw:${bits}:${hex}`;
  }
  return null;
}
