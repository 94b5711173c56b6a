import {
  encodeWiegand,
  formatForCard,
  WIEGAND_FORMATS,
  type WiegandFormat,
} from "../devices/badge/wiegand-frame.js";
import type { Clock } from "../devices/types.js";
import { OrderedSteps } from "./ordered-steps.js";
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
  /** The formats this reader sends (its `badge.wiegand.formats`); presentCard uses the first that fits. */
  formats?: ReadonlyArray<WiegandFormat>;
  /** Quiet time kept after a frame before the next queued one starts; must exceed the reader's 25 ms gap. */
  interFrameGapMs?: number;
}

/**
 * A Wiegand badge reader on the other end of two GPIO wires: presenting a card produces the real
 * pulse train, one low pulse per bit on D0 (a 0) or D1 (a 1), lines idle high. Frames presented
 * back to back are queued with a quiet gap between them, as a real reader would send them.
 *
 * The edges go out as OrderedSteps (one queue, one timer), never a timer per edge: after an
 * event-loop stall Node runs overdue timers grouped by their delay, not in due order, so timers
 * per bit could reach the wire reordered (a valid-parity frame of another card). Edges that fell
 * due during a stall go out at once, in order, as a kernel's queued GPIO events would arrive; the
 * quiet gap before a queued frame is kept from when the previous frame actually went out, so a
 * stall never merges two cards into one (bad_length) frame.
 */
export class VirtualWiegandReader {
  private readonly d0: SimPin;
  private readonly d1: SimPin;
  private readonly bitIntervalMs: number;
  private readonly pulseLowMs: number;
  private readonly interFrameGapMs: number;
  private readonly formats: ReadonlyArray<WiegandFormat>;
  /** Edges not yet on the wire, frames queued after each other. */
  private readonly edges: OrderedSteps;
  /** Lines forced low by holdLow(); pulses on them change nothing. */
  private held = new Set<SimPin>();

  constructor(opts: VirtualWiegandReaderOptions) {
    this.d0 = opts.d0;
    this.d1 = opts.d1;
    this.edges = new OrderedSteps(opts.clock);
    this.bitIntervalMs = opts.bitIntervalMs ?? 2;
    this.pulseLowMs = opts.pulseLowMs ?? 0;
    this.interFrameGapMs = opts.interFrameGapMs ?? 50;
    this.formats = opts.formats ?? WIEGAND_FORMATS;
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

  /** Whether presentCard can send this number in one of the reader's formats. */
  canSend(credential: number): boolean {
    return formatForCard(credential, this.formats) !== null;
  }

  /**
   * Presents a card as this reader would send it: in the first of its formats the number fits
   * (a W34-only reader sends every card as 34 bits). Throws RangeError if it fits none.
   */
  presentCard(credential: number): Promise<void> {
    const format = formatForCard(credential, this.formats);
    if (!format) throw new RangeError(`card ${credential} does not fit ${this.formats.join(" or ")}`);
    return this.present(credential, format);
  }

  /** Sends arbitrary bits (bad parity, wrong length, a noise burst) for fault tests. */
  presentRaw(bits: ReadonlyArray<0 | 1>): Promise<void> {
    if (bits.length === 0) return Promise.resolve();
    return new Promise<void>((resolve) => {
      bits.forEach((bit, i) => {
        const pin = bit === 1 ? this.d1 : this.d0;
        const last = i === bits.length - 1;
        this.edges.add(
          i === 0
            ? // The quiet gap before a frame counts from when the previous one actually went out.
              { afterMs: this.interFrameGapMs, keepGapAfterStall: true, run: () => pin.drive(0) }
            : { afterMs: this.bitIntervalMs - this.pulseLowMs, run: () => pin.drive(0) },
          {
            afterMs: this.pulseLowMs,
            run: () => {
              if (!this.held.has(pin)) pin.drive(1);
              if (last) resolve();
            },
          },
        );
      });
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
    this.edges.clear();
    this.release();
  }
}
