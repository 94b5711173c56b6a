import { systemClock } from "../system-clock.js";
import type { Clock, GpioChip, GpioLine, GpioLineOptions, Level } from "../types.js";
import { type GpioBase, requireGpioBase } from "./sysfs-gpio-base.js";

/** The part of onoff's Gpio we use; the real class satisfies it, tests inject a fake. */
export interface OnoffGpioLike {
  read(): Promise<Level>;
  write(value: Level): Promise<void>;
  /** onoff's synchronous write (one sysfs write(2)); optional so older fakes still fit. */
  writeSync?(value: Level): void;
  watch(callback: (err: Error | null | undefined, value: Level) => void): void;
  unwatchAll(): void;
  unexport(): void;
}

/** Mirrors `new Gpio(gpio, direction, edge, options)`; may throw (EINVAL, EBUSY, EACCES) like onoff. */
export type OnoffGpioFactory = (
  sysfsNumber: number,
  direction: "in" | "high" | "low",
  edge: "both" | "none",
  options: { activeLow: boolean; debounceTimeout: number },
) => OnoffGpioLike;

export interface OnoffGpioChipOptions {
  /** Where to look for gpiochip* (default /sys/class/gpio). */
  sysfsRoot?: string;
  /** Skip the sysfs lookup (tests, or a base known from config). */
  base?: GpioBase;
  /** Replaces onoff (tests). Without it onoff is imported lazily. */
  factory?: OnoffGpioFactory;
  /** Stamps edges (default the system clock). */
  clock?: Clock;
}

async function loadOnoff(): Promise<OnoffGpioFactory> {
  let mod: typeof import("onoff");
  try {
    mod = await import("onoff");
  } catch (err) {
    throw new Error(`onoff could not be loaded (is this a Linux host with its native epoll module?): ${err}`);
  }
  return (n, direction, edge, options) => new mod.Gpio(n, direction, edge, options);
}

class OnoffGpioLine implements GpioLine {
  private closed = false;
  private readonly watchers = new Set<(level: Level, atMs: number) => void>();
  private lastReported: Level | null = null;

  constructor(
    private readonly gpio: OnoffGpioLike,
    private readonly offset: number,
    private readonly dir: "in" | "out",
    private readonly clock: Clock,
    private readonly release: () => void,
  ) {}

  private check(): void {
    if (this.closed) throw new Error(`GPIO ${this.offset} is closed`);
  }

  // onoff writes active_low to sysfs, so the kernel inverts for us: values here are already logical.
  async read(): Promise<Level> {
    this.check();
    return this.gpio.read();
  }

  async write(level: Level): Promise<void> {
    this.check();
    if (this.dir !== "out") throw new Error(`GPIO ${this.offset} is an input`);
    await this.gpio.write(level);
  }

  /** Synchronous, for exit handlers: the sysfs value file outlives the process. */
  writeSync(level: Level): void {
    this.check();
    if (this.dir !== "out") throw new Error(`GPIO ${this.offset} is an input`);
    if (!this.gpio.writeSync) throw new Error(`GPIO ${this.offset}: no synchronous write`);
    this.gpio.writeSync(level);
  }

  watch(onEdge: (level: Level, atMs: number) => void): () => void {
    if (this.dir !== "in" || this.closed) return () => {};
    if (this.watchers.size === 0) this.startWatching();
    this.watchers.add(onEdge);
    return () => {
      this.watchers.delete(onEdge);
      if (this.watchers.size === 0 && !this.closed) this.gpio.unwatchAll();
    };
  }

  private startWatching(): void {
    this.lastReported = null;
    // Seed with the current level so the first interrupt that merely re-reads it is not an edge.
    this.gpio.read().then(
      (level) => {
        if (this.lastReported === null) this.lastReported = level;
      },
      () => {},
    );
    this.gpio.watch((err, value) => {
      // An epoll error carries no trustworthy level; drop it. A broken line shows up on the next read().
      if (err || this.closed) return;
      // With edge "both" onoff calls back on every interrupt, also after a bounce that settles on the
      // level already reported: only real changes are edges.
      if (value === this.lastReported) return;
      this.lastReported = value;
      const atMs = this.clock.now();
      for (const watcher of [...this.watchers]) watcher(value, atMs);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.watchers.clear();
    try {
      this.gpio.unwatchAll();
      this.gpio.unexport(); // the kernel returns the line to an input: the relay's pull-down keeps it locked
    } finally {
      this.release();
    }
  }
}

/**
 * Raspberry Pi header GPIO through onoff (sysfs). Callers use BCM numbers; this adds the sysfs base
 * found from the chip label (0, 512 or 571) because new kernels number the lines differently.
 */
export class OnoffGpioChip implements GpioChip {
  private readonly busy = new Set<number>();

  constructor(
    readonly gpioBase: GpioBase,
    private readonly factory: OnoffGpioFactory,
    private readonly clock: Clock = systemClock,
  ) {}

  /** Finds the base (throws GpioBaseNotFoundError off a Pi) and loads onoff unless a factory is given. */
  static async create(opts: OnoffGpioChipOptions = {}): Promise<OnoffGpioChip> {
    const base = opts.base ?? (await requireGpioBase(opts.sysfsRoot));
    const factory = opts.factory ?? (await loadOnoff());
    return new OnoffGpioChip(base, factory, opts.clock ?? systemClock);
  }

  /** The sysfs number onoff needs for a BCM offset. */
  sysfsNumber(offset: number): number {
    return this.gpioBase.base + offset;
  }

  async open(offset: number, dir: "in" | "out", opts: GpioLineOptions = {}): Promise<GpioLine> {
    if (!Number.isInteger(offset) || offset < 0 || offset >= this.gpioBase.ngpio) {
      throw new Error(
        `GPIO ${offset} does not exist on ${this.gpioBase.label} (0..${this.gpioBase.ngpio - 1})`,
      );
    }
    if (this.busy.has(offset)) throw new Error(`GPIO ${offset} is busy`);
    const activeLow = opts.activeLow ?? false;
    // "high"/"low" set the direction and the first electrical level in one sysfs write (the kernel
    // treats them as raw levels, ignoring active_low). Plain "out" would drive low for a moment,
    // which energises an active-low relay module: the door would click open at every start.
    const direction = dir === "in" ? "in" : activeLow ? "high" : "low";
    const sysfs = this.sysfsNumber(offset);
    let gpio: OnoffGpioLike;
    try {
      gpio = this.factory(sysfs, direction, dir === "in" ? "both" : "none", {
        activeLow,
        debounceTimeout: dir === "in" ? Math.max(0, opts.debounceMs ?? 0) : 0,
      });
    } catch (err) {
      throw new Error(`GPIO ${offset} (sysfs ${sysfs}) could not be opened: ${(err as Error).message}`);
    }
    this.busy.add(offset);
    const line = new OnoffGpioLine(gpio, offset, dir, this.clock, () => this.busy.delete(offset));
    if (dir === "out") {
      try {
        // onoff swallows configuration errors on an already-exported line; command "inactive"
        // explicitly so the lock is known to be locked whatever state the line was left in.
        await gpio.write(0);
      } catch (err) {
        await line.close().catch(() => {});
        throw new Error(
          `GPIO ${offset} (sysfs ${sysfs}) could not be set inactive: ${(err as Error).message}`,
        );
      }
    }
    return line;
  }
}
