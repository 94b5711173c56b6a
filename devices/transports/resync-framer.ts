export interface ResyncStats {
  /** Frames delivered. */
  frames: number;
  /** Bytes that belonged to no valid frame (bytes the format calls idle not included). */
  droppedBytes: number;
  /** Candidates that started like a frame but had a bad length, check or structure. */
  badFrames: number;
}

/** What a candidate at some offset is: a whole valid frame (its length and decoded form), or why not. */
export type Candidate<T> = { length: number; frame: T } | "bad" | "incomplete";

/** One serial protocol's framing, as the resynchronising framer needs it. */
export interface FrameFormat<T> {
  /** The offset of the next possible frame start at or after `from`, or -1. */
  findStart(buf: Buffer, from: number): number;
  /** Checks the candidate starting at `at` (buf holds every byte received and not consumed). */
  check(buf: Buffer, at: number): Candidate<T>;
  /**
   * How many bytes at the end of a buffer holding no frame start may be the first part of one
   * split across chunks (a two-byte header's first byte); they are kept. Default 0.
   */
  partialStartAtEnd?(buf: Buffer): number;
  /** Whether a discarded byte counts as dropped; a line's idle filler (OSDP's mark) does not. */
  countsAsDropped?(byte: number): boolean;
}

/**
 * Resynchronising frame parser shared by the serial protocols (R503 fingerprint frames, OSDP
 * packets). Feed it arbitrary chunks; it scans for a frame start, lets the format check length
 * and checksum, and calls onFrame for each valid frame. A rejected candidate costs only its first
 * byte: scanning resumes right after the false start, so a genuine frame behind it survives. A
 * false start announcing a long frame would hold back a genuine frame behind it until enough
 * later bytes arrive (a reply could time out waiting): if a complete valid frame already sits
 * inside its span, the candidate is false.
 *
 * Every byte fed ends up in exactly one of: a delivered frame, droppedBytes, the bytes the format
 * does not count, or the pending buffer.
 */
export class ResyncFramer<T> {
  readonly stats: ResyncStats = { frames: 0, droppedBytes: 0, badFrames: 0 };
  private pending: Buffer = Buffer.alloc(0);

  constructor(
    private readonly format: FrameFormat<T>,
    private readonly onFrame: (frame: T, raw: Buffer) => void,
  ) {}

  /** Bytes held while waiting for the rest of a candidate frame. */
  get bufferedBytes(): number {
    return this.pending.length;
  }

  /** Forgets any partial frame (the port was reopened, a reply timed out); its bytes count as dropped. */
  reset(): void {
    this.drop(this.pending.length);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.pending = this.pending.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.pending, chunk]);
    this.drain();
  }

  private drop(count: number): void {
    const counts = this.format.countsAsDropped;
    if (!counts) this.stats.droppedBytes += count;
    else for (let i = 0; i < count; i++) if (counts(this.pending[i] as number)) this.stats.droppedBytes++;
    this.pending = this.pending.subarray(count);
  }

  private drain(): void {
    for (;;) {
      const start = this.format.findStart(this.pending, 0);
      if (start < 0) {
        this.drop(this.pending.length - (this.format.partialStartAtEnd?.(this.pending) ?? 0));
        return;
      }
      if (start > 0) this.drop(start);
      const verdict = this.format.check(this.pending, 0);
      if (verdict === "bad") {
        this.stats.badFrames++;
        this.drop(1);
        continue;
      }
      if (verdict === "incomplete") {
        const inner = this.findCompleteFrameAfter(1);
        if (inner < 0) return;
        this.stats.badFrames++;
        this.drop(inner);
        continue;
      }
      this.emit(verdict.length, verdict.frame);
    }
  }

  private findCompleteFrameAfter(from: number): number {
    const { format, pending } = this;
    for (let i = format.findStart(pending, from); i >= 0; i = format.findStart(pending, i + 1)) {
      if (typeof format.check(pending, i) === "object") return i;
    }
    return -1;
  }

  private emit(length: number, frame: T): void {
    const raw = Buffer.from(this.pending.subarray(0, length));
    this.pending = this.pending.subarray(length);
    this.stats.frames++;
    this.onFrame(frame, raw);
  }
}
