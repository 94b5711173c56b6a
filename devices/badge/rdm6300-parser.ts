/**
 * RDM6300 (125 kHz EM4100 reader) frame codec. The module is TX-only, 9600 8N1, and sends
 * 14-byte frames while a tag is in the field:
 *
 *   0x02 | 10 ASCII hex: version (1 byte) + tag (4 bytes) | 2 ASCII hex: XOR of those 5 bytes | 0x03
 *
 * The parser resynchronises on its own: bytes before an STX are dropped, and an STX followed by
 * anything that is not a well-formed frame (a non-hex character, no ETX in place) costs only that
 * STX byte, so a real frame starting inside the rubbish is still found. The buffer never holds more
 * than one frame, whatever the line sends.
 */

const STX = 0x02;
const ETX = 0x03;
export const RDM6300_FRAME_BYTES = 14;

export type Rdm6300ParseResult =
  | {
      ok: true;
      /** The first data byte (the card's version / customer code). */
      version: number;
      /** The 32-bit tag id, unsigned. */
      tag: number;
      /** Version + tag as 10 upper-case hex digits, exactly as on the wire. */
      rawHex: string;
    }
  /** A well-formed frame whose checksum does not match: a misread, never a credential. */
  | { ok: false; detail: "bad_checksum"; rawHex: string };

export interface Rdm6300ParserStats {
  frames: number;
  badChecksums: number;
  /** An STX not followed by a well-formed frame (non-hex character, missing ETX). */
  malformedFrames: number;
  /** Bytes discarded while resynchronising: garbage before STX and the STX of malformed frames. */
  droppedBytes: number;
}

function isHexDigit(byte: number): boolean {
  return (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x46) || (byte >= 0x61 && byte <= 0x66);
}

export class Rdm6300Parser {
  private pending: Buffer = Buffer.alloc(0);
  private counters: Rdm6300ParserStats = { frames: 0, badChecksums: 0, malformedFrames: 0, droppedBytes: 0 };

  /** Feeds bytes in arrival order; returns the frames completed by them. Never throws. */
  push(chunk: Buffer): Rdm6300ParseResult[] {
    const buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const results: Rdm6300ParseResult[] = [];
    let pos = 0;
    while (pos < buf.length) {
      if (buf[pos] !== STX) {
        this.counters.droppedBytes++;
        pos++;
        continue;
      }
      const available = Math.min(buf.length - pos, RDM6300_FRAME_BYTES);
      if (!this.prefixIsWellFormed(buf, pos, available)) {
        this.counters.malformedFrames++;
        this.counters.droppedBytes++;
        pos++;
        continue;
      }
      if (available < RDM6300_FRAME_BYTES) break; // the rest is still on the wire
      results.push(this.decode(buf.subarray(pos + 1, pos + 13).toString("latin1")));
      pos += RDM6300_FRAME_BYTES;
    }
    // Copy, so a large chunk is not kept alive by a few trailing bytes.
    this.pending = Buffer.from(buf.subarray(pos));
    return results;
  }

  stats(): Rdm6300ParserStats {
    return { ...this.counters };
  }

  /** Forgets a half-received frame (e.g. after the port was reopened). */
  reset(): void {
    this.pending = Buffer.alloc(0);
  }

  private prefixIsWellFormed(buf: Buffer, start: number, length: number): boolean {
    for (let i = 1; i < length; i++) {
      const byte = buf[start + i] ?? -1;
      if (i <= 12 ? !isHexDigit(byte) : byte !== ETX) return false;
    }
    return true;
  }

  private decode(hex12: string): Rdm6300ParseResult {
    const bytes = Buffer.from(hex12, "hex"); // 6 bytes: 5 data + checksum; all digits checked above
    const rawHex = hex12.slice(0, 10).toUpperCase();
    let xor = 0;
    for (let i = 0; i < 5; i++) xor ^= bytes[i] ?? 0;
    if (xor !== bytes[5]) {
      this.counters.badChecksums++;
      return { ok: false, detail: "bad_checksum", rawHex };
    }
    this.counters.frames++;
    return { ok: true, version: bytes[0] ?? 0, tag: bytes.readUInt32BE(1), rawHex };
  }
}

/**
 * Builds the frame an RDM6300 sends for a card (used by the simulator). rawHex is version + tag,
 * 10 hex digits. corruptChecksum flips the checksum's low bit, for fault tests.
 */
export function encodeRdm6300Frame(rawHex: string, opts: { corruptChecksum?: boolean } = {}): Buffer {
  if (!/^[0-9a-fA-F]{10}$/.test(rawHex)) throw new Error(`RDM6300 data must be 10 hex digits: ${rawHex}`);
  const data = Buffer.from(rawHex, "hex");
  let checksum = 0;
  for (const byte of data) checksum ^= byte;
  if (opts.corruptChecksum) checksum ^= 0x01;
  const ascii = `${rawHex.toUpperCase()}${checksum.toString(16).toUpperCase().padStart(2, "0")}`;
  return Buffer.concat([Buffer.from([STX]), Buffer.from(ascii, "latin1"), Buffer.from([ETX])]);
}
