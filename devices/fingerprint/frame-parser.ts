import {
  CHECKSUM_BYTES,
  type FingerprintPacket,
  HEADER_0,
  HEADER_1,
  MAX_PAYLOAD_BYTES,
  PREFIX_BYTES,
  packetChecksum,
  VALID_PIDS,
} from "./packet-codec.js";

export interface FrameParserStats {
  /** Frames delivered. */
  frames: number;
  /** Bytes that belonged to no valid frame. */
  droppedBytes: number;
  /** Candidates that started with EF 01 but had a bad PID, length or checksum. */
  badFrames: number;
}

export interface FrameParserOptions {
  /** Largest payload accepted; a bigger length field marks a false header. */
  maxPayloadBytes?: number;
}

/**
 * Resynchronising parser for R503-family frames. Feed it arbitrary chunks; it scans for EF 01,
 * checks PID, length and checksum, and calls onFrame for each valid frame.
 *
 * Why not serialport's PacketLengthParser: it reads the length little-endian and, after a stray
 * byte, skips a whole bogus length and loses the next frame. Here a rejected candidate costs only
 * its first byte: scanning resumes at the byte after the false header.
 *
 * Every byte fed ends up in exactly one of: a delivered frame, droppedBytes, or the pending buffer.
 */
export class FingerprintFrameParser {
  readonly stats: FrameParserStats = { frames: 0, droppedBytes: 0, badFrames: 0 };
  private pending: Buffer = Buffer.alloc(0);
  private readonly maxPayloadBytes: number;

  constructor(
    private readonly onFrame: (packet: FingerprintPacket, raw: Buffer) => void,
    opts: FrameParserOptions = {},
  ) {
    this.maxPayloadBytes = opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES;
  }

  /** Bytes held while waiting for the rest of a candidate frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** Forgets any partial frame (e.g. after the port was reopened); its bytes count as dropped. */
  reset(): void {
    this.stats.droppedBytes += this.pending.length;
    this.pending = Buffer.alloc(0);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    this.drain();
  }

  private drop(count: number): void {
    this.stats.droppedBytes += count;
    this.pending = this.pending.subarray(count);
  }

  private drain(): void {
    for (;;) {
      const start = this.findHeader(0);
      if (start < 0) {
        // Keep a trailing EF: it may be the first half of a header split across chunks.
        const keep = this.pending[this.pending.length - 1] === HEADER_0 ? 1 : 0;
        this.drop(this.pending.length - keep);
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
        // A false header with a long length would otherwise hold back a genuine frame that
        // follows it until enough later bytes arrive (an ack could time out waiting). If a
        // complete, valid frame already sits inside the candidate's span, the candidate is false.
        const inner = this.findCompleteFrameAfter(1);
        if (inner < 0) return;
        this.stats.badFrames++;
        this.drop(inner);
        continue;
      }
      this.emit(verdict);
    }
  }

  private findHeader(from: number): number {
    const buf = this.pending;
    for (let i = from; i + 1 < buf.length; i++) {
      if (buf[i] === HEADER_0 && buf[i + 1] === HEADER_1) return i;
    }
    return -1;
  }

  /** Returns the total frame size if a valid frame starts at `at`, or why not. */
  private checkCandidate(at: number): number | "bad" | "incomplete" {
    const buf = this.pending;
    const available = buf.length - at;
    if (available >= 7 && !VALID_PIDS.has(buf[at + 6] as number)) return "bad";
    if (available < PREFIX_BYTES) return "incomplete";
    const lengthField = buf.readUInt16BE(at + 7);
    if (lengthField < CHECKSUM_BYTES + 1 || lengthField > this.maxPayloadBytes + CHECKSUM_BYTES) return "bad";
    const total = PREFIX_BYTES + lengthField;
    if (available < total) return "incomplete";
    const payload = buf.subarray(at + PREFIX_BYTES, at + total - CHECKSUM_BYTES);
    const expected = packetChecksum(buf[at + 6] as number, lengthField, payload);
    return buf.readUInt16BE(at + total - CHECKSUM_BYTES) === expected ? total : "bad";
  }

  private findCompleteFrameAfter(from: number): number {
    for (let i = this.findHeader(from); i >= 0; i = this.findHeader(i + 1)) {
      if (typeof this.checkCandidate(i) === "number") return i;
    }
    return -1;
  }

  private emit(total: number): void {
    const raw = Buffer.from(this.pending.subarray(0, total));
    this.pending = this.pending.subarray(total);
    this.stats.frames++;
    const packet: FingerprintPacket = {
      address: raw.readUInt32BE(2),
      pid: raw[6] as number,
      payload: raw.subarray(PREFIX_BYTES, total - CHECKSUM_BYTES),
    };
    this.onFrame(packet, raw);
  }
}
