import type { Clock, GpioChip, GpioLine, GpioLineOptions, Level } from "../devices/types.js";

type PinListener = (level: Level) => void;

/**
 * One physical pin of the simulated header, seen from the wire: its electrical level.
 * The controller reaches it through a SimGpioLine; virtual devices drive or observe it here.
 */
export class SimPin {
  private electrical: Level;
  private listeners = new Set<PinListener>();
  /** When set, every controller read/write on this pin rejects with it (a dead expander, a broken wire). */
  failure: Error | null = null;
  /** Direction the controller opened it with, or null while unclaimed. */
  direction: "in" | "out" | null = null;

  constructor(
    readonly offset: number,
    idleLevel: Level = 0,
  ) {
    this.electrical = idleLevel;
  }

  get level(): Level {
    return this.electrical;
  }

  /** A virtual device (button, contact, reader) sets the electrical level of an input. */
  drive(level: Level): void {
    this.set(level);
  }

  /** Observes the electrical level, e.g. a virtual door watching the relay output. */
  onChange(listener: PinListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Used by the controller side when it writes an output. */
  set(level: Level): void {
    if (level === this.electrical) return;
    this.electrical = level;
    for (const listener of this.listeners) listener(level);
  }
}

class SimGpioLine implements GpioLine {
  private closed = false;
  private unsubscribers = new Set<() => void>();

  constructor(
    private readonly pin: SimPin,
    private readonly dir: "in" | "out",
    private readonly opts: GpioLineOptions,
    private readonly clock: Clock,
  ) {}

  private toLogical(level: Level): Level {
    return this.opts.activeLow ? ((1 - level) as Level) : level;
  }

  private check(): void {
    if (this.closed) throw new Error(`GPIO ${this.pin.offset} is closed`);
    if (this.pin.failure) throw this.pin.failure;
  }

  async read(): Promise<Level> {
    this.check();
    return this.toLogical(this.pin.level);
  }

  async write(level: Level): Promise<void> {
    this.writeSync(level);
  }

  /** The simulator can always write at once, like sysfs: exit-handler tests rely on it. */
  writeSync(level: Level): void {
    this.check();
    if (this.dir !== "out") throw new Error(`GPIO ${this.pin.offset} is an input`);
    this.pin.set(this.toLogical(level));
  }

  watch(onEdge: (level: Level, atMs: number) => void): () => void {
    const debounceMs = this.opts.debounceMs ?? 0;
    let reported = this.toLogical(this.pin.level);
    let cancelPending: (() => void) | null = null;
    const settleAndReport = () => {
      cancelPending = null;
      const now = this.toLogical(this.pin.level);
      if (now === reported || this.closed) return;
      reported = now;
      onEdge(now, this.clock.now());
    };
    const off = this.pin.onChange(() => {
      if (debounceMs <= 0) return settleAndReport();
      cancelPending?.();
      cancelPending = this.clock.setTimeout(settleAndReport, debounceMs);
    });
    const unsubscribe = () => {
      off();
      cancelPending?.();
      this.unsubscribers.delete(unsubscribe);
    };
    this.unsubscribers.add(unsubscribe);
    return unsubscribe;
  }

  async close(): Promise<void> {
    for (const unsubscribe of [...this.unsubscribers]) unsubscribe();
    this.closed = true;
    this.pin.direction = null;
  }
}

/** A simulated GPIO controller. Pins idle low unless created with another level (a pulled-up input). */
export class SimGpioChip implements GpioChip {
  private pins = new Map<number, SimPin>();

  constructor(private readonly clock: Clock) {}

  /** The wire-side view of a pin, created on first use. */
  pin(offset: number, idleLevel: Level = 0): SimPin {
    let pin = this.pins.get(offset);
    if (!pin) {
      pin = new SimPin(offset, idleLevel);
      this.pins.set(offset, pin);
    }
    return pin;
  }

  async open(offset: number, dir: "in" | "out", opts: GpioLineOptions = {}): Promise<GpioLine> {
    const pin = this.pin(offset);
    if (pin.failure) throw pin.failure;
    if (pin.direction) throw new Error(`GPIO ${offset} is busy`);
    pin.direction = dir;
    return new SimGpioLine(pin, dir, opts, this.clock);
  }
}
