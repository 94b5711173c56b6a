import { encodeWiegand, type WiegandFormat } from "../devices/badge/wiegand-frame.js";
import type { Clock, Level } from "../devices/types.js";
import type { SimPin } from "./sim-gpio.js";

export interface VirtualWiegandReaderOptions {
  /** Wire side of the Data 0 line; create it idle high: `chip.pin(n, 1)`. */
  d0: SimPin;
  /** Wire side of the Data 1 line, idle high as well. */
  d1: SimPin;
  clock: Clock;
  /** Time between the starts of consecutive bits. Real readers use 0.2–20 ms; 2 ms is typical. */
  bitIntervalMs?: number;
  /**
   * How long each pulse stays low. Real pulses last 20–100 µs, below the clock's 1 ms resolution,
   * so the default 0 makes the pulse two synchronous level changes (low, then high) at the same
   * instant; an undebounced GPIO watch still reports both edges. Use 1 to hold the line low for a
   * visible millisecond (must stay below bitIntervalMs).
   */
  pulseLowMs?: number;
  /** Quiet time kept after a frame before the next queued one starts; must exceed the reader's 25 ms gap. */
  interFrameGapMs?: number;
}

/** One level change on the wire, at a clock time; `done` resolves a presentation after its last pulse. */
interface WireEdge {
  atMs: number;
  pin: SimPin;
  level: Level;
  startsFrame?: boolean;
  done?: () => void;
}

/**
 * A Wiegand badge reader on the other end of two GPIO wires: presenting a card produces the real
 * pulse train, one low pulse per bit on D0 (a 0) or D1 (a 1), lines idle high. Frames presented
 * back to back are queued with a quiet gap between them, as a real reader would send them.
 *
 * The edges wait in one time-ordered queue driven by a single timer, never a timer per edge: after
 * an event-loop stall Node runs overdue timers grouped by their delay, not in due order, so timers
 * per bit could reach the wire reordered (a valid-parity frame of another card). Edges that fell
 * due during a stall go out at once, in order, as a kernel's queued GPIO events would arrive; the
 * quiet gap before a queued frame is kept from when the previous frame actually went out, so a
 * stall never merges two cards into one (bad_length) frame.
 */
export class VirtualWiegandReader {
  private readonly d0: SimPin;
  private readonly d1: SimPin;
  private readonly clock: Clock;
  private readonly bitIntervalMs: number;
  private readonly pulseLowMs: number;
  private readonly interFrameGapMs: number;
  /** Clock time at which the wire is free for the next frame. */
  private freeAtMs = Number.NEGATIVE_INFINITY;
  /** Edges not yet on the wire, in time order (frames are queued after each other). */
  private edges: WireEdge[] = [];
  private cancelTimer: (() => void) | null = null;
  /** Clock time at which the last frame's final edge actually went out (late after a stall). */
  private lastFrameSentAtMs = Number.NEGATIVE_INFINITY;
  /** Lines forced low by holdLow(); pulses on them change nothing. */
  private held = new Set<SimPin>();

  constructor(opts: VirtualWiegandReaderOptions) {
    this.d0 = opts.d0;
    this.d1 = opts.d1;
    this.clock = opts.clock;
    this.bitIntervalMs = opts.bitIntervalMs ?? 2;
    this.pulseLowMs = opts.pulseLowMs ?? 0;
    this.interFrameGapMs = opts.interFrameGapMs ?? 50;
    if (this.pulseLowMs >= this.bitIntervalMs) throw new RangeError("pulseLowMs must be below bitIntervalMs");
    // Idle state of a connected reader: both data lines pulled high.
    this.d0.drive(1);
    this.d1.drive(1);
  }

  /**
   * Presents a card: facility and card, or the combined data value (facility * 65536 + card, the
   * number the controller reports). Resolves once the last pulse has been sent.
   */
  present(
    credential: number | { facility: number; card: number },
    format: WiegandFormat = "W26",
  ): Promise<void> {
    return this.presentRaw(encodeWiegand(credential, format));
  }

  /** Sends arbitrary bits (bad parity, wrong length, a noise burst) for fault tests. */
  presentRaw(bits: ReadonlyArray<0 | 1>): Promise<void> {
    const now = this.clock.now();
    const startMs = Math.max(now, this.freeAtMs);
    const lastBitMs = startMs + Math.max(0, bits.length - 1) * this.bitIntervalMs;
    this.freeAtMs = lastBitMs + this.pulseLowMs + this.interFrameGapMs;
    if (bits.length === 0) return Promise.resolve();

    return new Promise<void>((resolve) => {
      bits.forEach((bit, i) => {
        const pin = bit === 1 ? this.d1 : this.d0;
        const fallMs = startMs + i * this.bitIntervalMs;
        this.edges.push({ atMs: fallMs, pin, level: 0, ...(i === 0 ? { startsFrame: true } : {}) });
        const last = i === bits.length - 1;
        this.edges.push({
          atMs: fallMs + this.pulseLowMs,
          pin,
          level: 1,
          ...(last ? { done: resolve } : {}),
        });
      });
      this.armTimer();
    });
  }

  /** Pulls one line low and leaves it there (a shorted wire or a failed reader); `release()` undoes it. */
  holdLow(line: "d0" | "d1"): void {
    const pin = line === "d0" ? this.d0 : this.d1;
    this.held.add(pin);
    pin.drive(0);
  }

  release(): void {
    this.held.clear();
    this.d0.drive(1);
    this.d1.drive(1);
  }

  /**
   * Cancels frames still queued and returns the lines to idle high, like a reader unplugged
   * mid-frame. Promises of cancelled frames never resolve.
   */
  dispose(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.edges = [];
    this.lastFrameSentAtMs = Number.NEGATIVE_INFINITY;
    this.release();
    this.freeAtMs = Number.NEGATIVE_INFINITY;
  }

  private armTimer(): void {
    const next = this.edges[0];
    if (this.cancelTimer || !next) return;
    this.cancelTimer = this.clock.setTimeout(
      () => this.sendDueEdges(),
      Math.max(0, next.atMs - this.clock.now()),
    );
  }

  private sendDueEdges(): void {
    this.cancelTimer = null;
    const now = this.clock.now();
    try {
      for (let edge = this.edges[0]; edge && edge.atMs <= now; edge = this.edges[0]) {
        if (edge.startsFrame && this.postponeForFrameGap(edge)) break;
        this.edges.shift();
        if (edge.level === 0) edge.pin.drive(0);
        else if (!this.held.has(edge.pin)) edge.pin.drive(1);
        if (edge.done) {
          this.lastFrameSentAtMs = now;
          edge.done();
        }
      }
    } finally {
      // A throwing listener on the wire loses its edge, not every frame queued behind it.
      this.armTimer();
    }
  }

  /**
   * A frame due now but less than a gap after the previous one actually went out (both fell due in
   * one stall) moves, with everything queued after it, to a full gap later. True if it moved.
   */
  private postponeForFrameGap(first: WireEdge): boolean {
    const shiftMs = this.lastFrameSentAtMs + this.interFrameGapMs - first.atMs;
    if (shiftMs <= 0) return false;
    for (const edge of this.edges) edge.atMs += shiftMs;
    this.freeAtMs += shiftMs;
    return true;
  }
}
