import type { Clock, GpioLine, Level } from "../types.js";
import type { BadgeBadRead, BadgeRead } from "./badge-events.js";
import { decodeWiegand, WIEGAND_FORMATS, type WiegandFormat } from "./wiegand-frame.js";

export interface WiegandReaderOptions {
  /** Data 0 line, opened as an input WITHOUT activeLow and WITHOUT debounce: pulses last ~50 µs. */
  d0: GpioLine;
  /** Data 1 line, opened the same way. */
  d1: GpioLine;
  clock: Clock;
  onBadge: (read: BadgeRead) => void;
  /**
   * The formats this reader sends (default both). A frame of another length, even with valid
   * parity for that length, is a bad read: see decodeWiegand.
   */
  formats?: ReadonlyArray<WiegandFormat>;
  /**
   * detail: bad_parity, bad_length, bad_bit, "34-bit frame expected, got 26 bits" (from the codec)
   * or both_lines_low (wiring or reader fault).
   */
  onBadRead: (bad: BadgeBadRead) => void;
  /** Silence that ends a frame. Readers space bits 0.2–20 ms apart; 25 ms is the usual gap. */
  frameGapMs?: number;
  /** Frames shorter than this are line noise (a glitch on connect, a bounce): counted, not reported. */
  minFrameBits?: number;
  /** Bits kept per frame; longer bursts are reported as bad_length without growing memory. */
  maxFrameBits?: number;
}

export interface WiegandReaderStats {
  badges: number;
  badReads: number;
  /** Frames shorter than minFrameBits, dropped silently. */
  noiseFrames: number;
}

/**
 * Collects Wiegand bits from D0/D1 falling edges and decodes each frame once the lines have been
 * quiet for frameGapMs. Every frame ends in exactly one of: onBadge (valid, accepted format), onBadRead
 * (anything else of plausible length), or the noise counter. A frame that fails any check is
 * never turned into a badge read.
 *
 * The event time (atMs) is the time of the frame's last bit, as stamped by the GPIO watch.
 * Callbacks run after the reader's state is reset, so a throwing callback cannot wedge it;
 * catching listener errors is the event bus's job.
 */
export class WiegandReader {
  private readonly frameGapMs: number;
  private readonly minFrameBits: number;
  private readonly maxFrameBits: number;

  private bits: Level[] = [];
  private bitCount = 0;
  private lastBitAtMs = 0;
  private bothLinesLow = false;
  /** Electrical level of each line as last reported; lines idle high. */
  private levels: [Level, Level] = [1, 1];
  private cancelGapTimer: (() => void) | null = null;
  private unwatch: (() => void)[] = [];
  private counters: WiegandReaderStats = { badges: 0, badReads: 0, noiseFrames: 0 };

  constructor(private readonly opts: WiegandReaderOptions) {
    this.frameGapMs = opts.frameGapMs ?? 25;
    this.minFrameBits = opts.minFrameBits ?? 4;
    this.maxFrameBits = opts.maxFrameBits ?? 64;
  }

  start(): void {
    if (this.unwatch.length > 0) return;
    this.levels = [1, 1];
    this.unwatch = [
      this.opts.d0.watch((level, atMs) => this.onEdge(0, level, atMs)),
      this.opts.d1.watch((level, atMs) => this.onEdge(1, level, atMs)),
    ];
  }

  /** Stops watching and discards a half-received frame. Does not close the lines (the caller owns them). */
  stop(): void {
    for (const off of this.unwatch) off();
    this.unwatch = [];
    this.cancelGapTimer?.();
    this.cancelGapTimer = null;
    this.resetFrame();
  }

  stats(): WiegandReaderStats {
    return { ...this.counters };
  }

  private onEdge(line: 0 | 1, level: Level, atMs: number): void {
    this.levels[line] = level;
    if (level !== 0) return; // a bit is the falling edge; the rising edge only ends the pulse
    // Both lines low at once cannot happen on a healthy reader: a short, or a reader in fault.
    if (this.levels[line === 0 ? 1 : 0] === 0) this.bothLinesLow = true;

    if (this.bitCount < this.maxFrameBits) this.bits.push(line);
    this.bitCount++;
    this.lastBitAtMs = atMs;
    this.cancelGapTimer?.();
    this.cancelGapTimer = this.opts.clock.setTimeout(() => this.endFrame(), this.frameGapMs);
  }

  private resetFrame(): void {
    this.bits = [];
    this.bitCount = 0;
    this.bothLinesLow = false;
  }

  private endFrame(): void {
    this.cancelGapTimer = null;
    const bits = this.bits;
    const bitCount = this.bitCount;
    const bothLinesLow = this.bothLinesLow;
    const atMs = this.lastBitAtMs;
    this.resetFrame();

    if (bitCount < this.minFrameBits) {
      this.counters.noiseFrames++;
      return;
    }
    const result:
      | { ok: true; number: string; format: string }
      | { ok: false; format: string; detail: string } = bothLinesLow
      ? { ok: false, format: `W${bitCount}`, detail: "both_lines_low" }
      : bitCount > this.maxFrameBits
        ? { ok: false, format: `W${bitCount}`, detail: "bad_length" }
        : decodeWiegand(bits, this.opts.formats ?? WIEGAND_FORMATS);
    if (result.ok) {
      this.counters.badges++;
      this.opts.onBadge({ number: result.number, format: result.format, atMs });
    } else {
      this.counters.badReads++;
      this.opts.onBadRead({ format: result.format, detail: result.detail, atMs });
    }
  }
}
