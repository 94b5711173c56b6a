import { systemClock } from "../system-clock.js";
import type { Clock, GpioChip, GpioLine, GpioLineOptions, Level } from "../types.js";

/**
 * The IO plugin surface we drive (Firmata, or any johnny-five IO plugin). johnny-five's Board does
 * the handshake and validation; the line operations go straight to the plugin because Board's own
 * pass-throughs return the board, not results, and cannot remove a digitalRead listener.
 */
export interface IoPluginLike {
  MODES: { INPUT: number; OUTPUT: number; PULLUP?: number };
  pins: Array<{ supportedModes?: number[] } | undefined>;
  pinMode(pin: number, mode: number): void;
  digitalWrite(pin: number, value: number): void;
  digitalRead(pin: number, callback: (value: number) => void): void;
  removeListener?(event: string, listener: (value: number) => void): unknown;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** A johnny-five Board once it emitted "ready". */
export interface JohnnyFiveBoardLike {
  io: IoPluginLike;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface JohnnyFiveGpioChipOptions {
  clock?: Clock;
  /** An input's open() waits this long for the board's first report of its level (default 1 s). */
  firstReportTimeoutMs?: number;
  /** Inputs to open with the board's internal pull-up (a button or contact switching to ground). */
  pullUpOffsets?: Iterable<number>;
}

export interface JohnnyFiveConnectOptions extends JohnnyFiveGpioChipOptions {
  /** Give up when the board is not ready after this long (default 10 s, like johnny-five's own). */
  readyTimeoutMs?: number;
}

class JohnnyFiveGpioLine implements GpioLine {
  private closed = false;
  private electrical: Level;
  private readonly watchers = new Set<(level: Level, atMs: number) => void>();
  private reported: Level;
  private cancelDebounce: (() => void) | null = null;
  private readonly onReport = (value: number) => this.reportArrived(value ? 1 : 0);

  constructor(
    private readonly chip: JohnnyFiveGpioChip,
    private readonly io: IoPluginLike,
    private readonly offset: number,
    private readonly dir: "in" | "out",
    private readonly opts: GpioLineOptions,
    private readonly clock: Clock,
    initialElectrical: Level,
  ) {
    this.electrical = initialElectrical;
    this.reported = this.logical(initialElectrical);
  }

  /**
   * Starts reporting and resolves with the first reported level, so read() is never a guess.
   * Rejects (and stops listening) when the board stays silent for timeoutMs.
   */
  startReporting(timeoutMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      let first = true;
      const cancel = this.clock.setTimeout(() => {
        if (!first) return;
        this.io.removeListener?.(`digital-read-${this.offset}`, this.onReport);
        reject(new Error(`GPIO ${this.offset}: no report from the board within ${timeoutMs} ms`));
      }, timeoutMs);
      this.onFirstReport = (electrical) => {
        first = false;
        cancel();
        this.electrical = electrical;
        this.reported = this.logical(electrical);
        resolve();
      };
      this.io.digitalRead(this.offset, this.onReport);
    });
  }

  private onFirstReport: ((electrical: Level) => void) | null = null;

  private logical(electrical: Level): Level {
    return this.opts.activeLow ? ((1 - electrical) as Level) : electrical;
  }

  private check(): void {
    if (this.closed) throw new Error(`GPIO ${this.offset} is closed`);
    const failure = this.chip.failure;
    if (failure) throw failure;
  }

  /** Firmata has no synchronous read: this is the last reported (input) or written (output) level. */
  async read(): Promise<Level> {
    this.check();
    return this.logical(this.electrical);
  }

  async write(level: Level): Promise<void> {
    this.check();
    if (this.dir !== "out") throw new Error(`GPIO ${this.offset} is an input`);
    const electrical = this.logical(level);
    this.io.digitalWrite(this.offset, electrical);
    this.electrical = electrical;
  }

  watch(onEdge: (level: Level, atMs: number) => void): () => void {
    if (this.dir !== "in" || this.closed) return () => {};
    this.watchers.add(onEdge);
    return () => this.watchers.delete(onEdge);
  }

  /** Firmata reports whole ports, so most reports repeat the level we know: only changes count. */
  private reportArrived(electrical: Level): void {
    if (this.closed) return;
    if (this.onFirstReport) {
      const first = this.onFirstReport;
      this.onFirstReport = null;
      first(electrical);
      return;
    }
    this.electrical = electrical;
    const debounceMs = this.opts.debounceMs ?? 0;
    if (debounceMs <= 0) {
      this.settle();
      return;
    }
    this.cancelDebounce?.();
    this.cancelDebounce = this.clock.setTimeout(() => this.settle(), debounceMs);
  }

  private settle(): void {
    this.cancelDebounce = null;
    const level = this.logical(this.electrical);
    if (level === this.reported || this.closed) return;
    this.reported = level;
    const atMs = this.clock.now();
    for (const watcher of [...this.watchers]) watcher(level, atMs);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchers.clear();
    this.cancelDebounce?.();
    this.chip.release(this.offset);
    // Reporting is not switched off: Firmata enables it per 8-pin port, shared with other lines.
    if (this.dir === "in") this.io.removeListener?.(`digital-read-${this.offset}`, this.onReport);
    // An output is left driven at its inactive level rather than floated: on a disconnected board
    // this throws, which is fine, the board's reset leaves its pins as inputs (relay pull-down: locked).
    else if (!this.chip.failure) this.io.digitalWrite(this.offset, this.logical(0));
  }
}

/**
 * GPIO lines on a johnny-five Board with any IO plugin (an Arduino running Firmata over USB, used as
 * an I/O expander). Outputs are commanded to their inactive level at open, because johnny-five's own
 * Relay writes no initial state. When the board disconnects, every line rejects from then on.
 */
export class JohnnyFiveGpioChip implements GpioChip {
  private readonly busy = new Set<number>();
  private readonly pullUps: Set<number>;
  private readonly clock: Clock;
  private readonly firstReportTimeoutMs: number;
  private failed: Error | null = null;
  private readonly faultListeners = new Set<(err: Error) => void>();

  constructor(
    readonly board: JohnnyFiveBoardLike,
    opts: JohnnyFiveGpioChipOptions = {},
  ) {
    this.clock = opts.clock ?? systemClock;
    this.firstReportTimeoutMs = opts.firstReportTimeoutMs ?? 1_000;
    this.pullUps = new Set(opts.pullUpOffsets ?? []);
    const fail = (reason: string) => (detail?: unknown) => {
      if (this.failed) return;
      const suffix = detail instanceof Error ? `: ${detail.message}` : "";
      this.failed = new Error(`johnny-five board ${reason}${suffix}`);
      for (const listener of [...this.faultListeners]) listener(this.failed);
    };
    board.on("close", fail("closed"));
    board.on("disconnect", fail("disconnected"));
    board.on("error", fail("reported an error"));
  }

  /** Lazily loads johnny-five, wraps io in a Board (no REPL, no SIGINT hook) and waits for "ready". */
  static async connect(io: IoPluginLike, opts: JohnnyFiveConnectOptions = {}): Promise<JohnnyFiveGpioChip> {
    const five = (await import("johnny-five")).default;
    const clock = opts.clock ?? systemClock;
    const board = new five.Board({ io, repl: false, debug: false, sigint: false });
    await new Promise<void>((resolve, reject) => {
      const cancel = clock.setTimeout(
        () => reject(new Error(`johnny-five board not ready after ${opts.readyTimeoutMs ?? 10_000} ms`)),
        opts.readyTimeoutMs ?? 10_000,
      );
      board.once("ready", () => {
        cancel();
        resolve();
      });
      board.once("error", (err) => {
        cancel();
        reject(err instanceof Error ? err : new Error(String(err)));
      });
    });
    return new JohnnyFiveGpioChip(board as JohnnyFiveBoardLike, opts);
  }

  /** Set once the board closed, disconnected or errored; lines reject with it. */
  get failure(): Error | null {
    return this.failed;
  }

  /** Tells the caller (a driver's health monitor) that the board is gone. Returns an unsubscribe. */
  onFault(listener: (err: Error) => void): () => void {
    this.faultListeners.add(listener);
    return () => this.faultListeners.delete(listener);
  }

  /** @internal called by a line when it closes. */
  release(offset: number): void {
    this.busy.delete(offset);
  }

  async open(offset: number, dir: "in" | "out", opts: GpioLineOptions = {}): Promise<GpioLine> {
    if (this.failed) throw this.failed;
    const io = this.board.io;
    const { INPUT, OUTPUT, PULLUP } = io.MODES;
    const wantsPullUp = dir === "in" && this.pullUps.has(offset);
    if (wantsPullUp && PULLUP === undefined) {
      // A floating exit-button input reads random edges: refuse rather than risk phantom unlocks.
      throw new Error(`GPIO ${offset}: this IO plugin has no pull-up mode; fit an external resistor`);
    }
    const mode = dir === "out" ? OUTPUT : wantsPullUp ? (PULLUP as number) : INPUT;
    const pin = io.pins[offset];
    if (!Number.isInteger(offset) || !pin || (pin.supportedModes && !pin.supportedModes.includes(mode))) {
      throw new Error(
        `GPIO ${offset} does not exist or cannot be a digital ${dir}${wantsPullUp ? " with pull-up" : ""}`,
      );
    }
    if (this.busy.has(offset)) throw new Error(`GPIO ${offset} is busy`);
    let initialElectrical: Level;
    try {
      if (dir === "out") {
        initialElectrical = opts.activeLow ? 1 : 0;
        // Latch the inactive level before switching to output, so the pin never drives the active
        // level even for the first microseconds; then write it again now that it is an output.
        io.digitalWrite(offset, initialElectrical);
        io.pinMode(offset, OUTPUT);
        io.digitalWrite(offset, initialElectrical);
      } else {
        io.pinMode(offset, mode);
        initialElectrical = 0; // replaced by the first report before open() resolves
      }
    } catch (err) {
      throw new Error(`GPIO ${offset} could not be opened: ${(err as Error).message}`);
    }
    this.busy.add(offset);
    const line = new JohnnyFiveGpioLine(this, io, offset, dir, opts, this.clock, initialElectrical);
    if (dir === "in") {
      try {
        await line.startReporting(this.firstReportTimeoutMs);
      } catch (err) {
        this.release(offset);
        throw err;
      }
    }
    return line;
  }
}
