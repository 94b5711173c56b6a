import { HEADER_BYTES, MARK, SOM } from "./constants.js";
import { announcedLength, type DecodedFrame, decodeFrame, OsdpDecodeError } from "./packet-codec.js";

export interface OsdpFrameParserStats {
  /** Packets delivered. */
  frames: number;
  /** Bytes that belonged to no valid packet (mark bytes not included). */
  droppedBytes: number;
  /** Candidates that started with SOM but had a bad length, check or structure. */
  badFrames: number;
}

export interface OsdpFrameParserOptions {
  /** Largest packet accepted; a bigger length field marks a false SOM. */
  maxPacketBytes?: number;
}

/** libosdp's default packet buffer; readers announce theirs in PDCAP (receive buffer size). */
export const DEFAULT_MAX_PACKET_BYTES = 512;

/**
 * Resynchronising OSDP packet parser. Feed it arbitrary chunks (an RS-485 line carries the CP's own
 * echo, other PDs' replies, noise after a bus turnaround); it scans for SOM, checks the length and
 * the CRC/checksum, and calls onFrame for each valid packet. A rejected candidate costs only its
 * first byte: scanning resumes right after the false SOM, so a genuine packet behind it survives.
 *
 * Every byte fed ends up in exactly one of: a delivered packet, droppedBytes, mark bytes, or the
 * pending buffer.
 */
export class OsdpFrameParser {
  readonly stats: OsdpFrameParserStats = { frames: 0, droppedBytes: 0, badFrames: 0 };
  private pending: Buffer = Buffer.alloc(0);
  private readonly maxPacketBytes: number;

  constructor(
    private readonly onFrame: (frame: DecodedFrame, raw: Buffer) => void,
    opts: OsdpFrameParserOptions = {},
  ) {
    this.maxPacketBytes = opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES;
  }

  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** Forgets any partial packet (after a timeout, so a torn reply cannot glue onto the next one). */
  reset(): void {
    this.drop(this.pending.length);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    this.drain();
  }

  private drop(count: number): void {
    for (let i = 0; i < count; i++) if (this.pending[i] !== MARK) this.stats.droppedBytes++;
    this.pending = this.pending.subarray(count);
  }

  private drain(): void {
    for (;;) {
      const start = this.pending.indexOf(SOM);
      if (start < 0) {
        this.drop(this.pending.length);
        return;
      }
      if (start > 0) this.drop(start);
      const verdict = this.checkCandidate(0);
      if (verdict === "bad") {
        this.stats.badFrames++;
        this.drop(1);
        continue;
      }
      if (verdict === "incomplete") {
        // A false SOM announcing a long packet would hold back a genuine reply behind it until
        // the reply timed out. If a complete valid packet already sits inside its span, it is false.
        const inner = this.findCompletePacketAfter(1);
        if (inner < 0) return;
        this.stats.badFrames++;
        this.drop(inner);
        continue;
      }
      this.emit(verdict.length, verdict.frame);
    }
  }

  private checkCandidate(at: number): { length: number; frame: DecodedFrame } | "bad" | "incomplete" {
    const available = this.pending.length - at;
    if (available < HEADER_BYTES) return "incomplete";
    const length = announcedLength(this.pending.subarray(at, at + HEADER_BYTES), this.maxPacketBytes);
    if (length === null) return "bad";
    if (available < length) return "incomplete";
    try {
      return { length, frame: decodeFrame(this.pending.subarray(at, at + length)) };
    } catch (err) {
      if (err instanceof OsdpDecodeError) return "bad";
      throw err;
    }
  }

  private findCompletePacketAfter(from: number): number {
    for (let i = this.pending.indexOf(SOM, from); i >= 0; i = this.pending.indexOf(SOM, i + 1)) {
      if (typeof this.checkCandidate(i) === "object") return i;
    }
    return -1;
  }

  private emit(length: number, frame: DecodedFrame): void {
    const raw = Buffer.from(this.pending.subarray(0, length));
    this.pending = this.pending.subarray(length);
    this.stats.frames++;
    this.onFrame(frame, raw);
  }
}
