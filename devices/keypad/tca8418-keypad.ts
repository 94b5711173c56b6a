import type { Clock, GpioLine, I2cBus, KeypadKey, Level } from "../types.js";
import { FaultBackoff } from "./fault-backoff.js";
import {
  callSafely,
  DEFAULT_KEYPAD_LAYOUT,
  type Keypad,
  type KeypadHandlers,
  parseKeypadLayout,
} from "./keypad.js";
import {
  CFG_INT_CFG,
  CFG_KE_IEN,
  CFG_OVR_FLOW_IEN,
  decodeMatrixKeyCode,
  EVENT_CODE_MASK,
  EVENT_PRESS,
  INT_K_INT,
  INT_OVR_FLOW_INT,
  KEY_EVENT_COUNT_MASK,
  matrixSelection,
  REG_CFG,
  REG_INT_STAT,
  REG_KEY_EVENT_A,
  REG_KEY_LCK_EC,
  REG_KP_GPIO1,
  REG_KP_GPIO2,
  REG_KP_GPIO3,
  TCA8418_ADDRESS,
} from "./tca8418-registers.js";

/**
 * CFG written at start: key-event and overflow interrupts on; INT_CFG=1 so that clearing
 * K_INT while events are still queued gives a fresh INT edge (we watch edges, not levels).
 * OVR_FLOW_M=0 (new events are lost on overflow, the oldest kept): a PIN is typed first
 * digit first, so the survivors are a prefix and the terminating "#" is the part that is
 * lost. The prefix still sits in the PIN entry, so onOverflow must discard it (src/app.ts does),
 * or a "#" typed next would submit it. With OVR_FLOW_M=1 the survivors would be a
 * suffix ending in "#": a shorter code submitted as if typed. AI=0: we access one register
 * per transaction, so the pointer never auto-increments.
 */
export const TCA8418_CFG = CFG_KE_IEN | CFG_OVR_FLOW_IEN | CFG_INT_CFG; // 0x19

/** Writing 1 clears: every source, used once at start. */
const INT_STAT_CLEAR_ALL = 0x1f;
/** A person cannot fill the FIFO this many times during one drain; bounds a stuck-count loop. */
const MAX_DRAIN_ROUNDS = 8;

export interface Tca8418KeypadOptions extends KeypadHandlers {
  bus: I2cBus;
  clock: Clock;
  address?: number;
  /** 4 rows of 3 keys, rows 0-3 and columns 0-2 of the chip. */
  layout?: readonly string[];
  /**
   * The chip's INT output, opened as an input WITHOUT activeLow (so 0 = asserted). When
   * given, the FIFO is drained on each assertion; otherwise it is polled every pollMs.
   */
  interrupt?: GpioLine;
  /** Logical level of the line when INT is asserted (0 for the raw active-low pin). */
  interruptActiveLevel?: Level;
  pollMs?: number;
  /** In interrupt mode, a slow poll that catches an edge lost by the GPIO backend. */
  safetyPollMs?: number;
  /** Events still queued after an outage longer than this have unknown age and are discarded. */
  staleAfterMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export interface Tca8418KeypadStats {
  keysDelivered: number;
  /** Events whose code is outside the 4x3 layout (GPI events, noise, other wiring). */
  unknownKeyCodes: number;
  overflows: number;
  i2cErrors: number;
  /** Events drained unseen at start or after a long outage. */
  staleDiscarded: number;
}

/**
 * TCA8418 keypad: the chip scans and debounces the matrix and queues up to 10 events, so
 * presses made while Node is busy (GC, fsync) are read later, in order. One drain runs at a
 * time; triggers during a drain schedule one more pass.
 */
export class Tca8418Keypad implements Keypad {
  private readonly grid: KeypadKey[][];
  private readonly address: number;
  private readonly backoff: FaultBackoff;
  private running = false;
  private configured = false;
  private flushPending = false;
  private inflight: Promise<void> | null = null;
  private rerun = false;
  private retryDelayMs = 0;
  private cancelTimer: (() => void) | null = null;
  private unwatch: (() => void) | null = null;
  private readonly counters: Tca8418KeypadStats = {
    keysDelivered: 0,
    unknownKeyCodes: 0,
    overflows: 0,
    i2cErrors: 0,
    staleDiscarded: 0,
  };

  constructor(private readonly opts: Tca8418KeypadOptions) {
    this.grid = parseKeypadLayout(opts.layout ?? DEFAULT_KEYPAD_LAYOUT);
    this.address = opts.address ?? TCA8418_ADDRESS;
    this.backoff = new FaultBackoff(opts.backoffInitialMs ?? 100, opts.backoffMaxMs ?? 5000);
  }

  stats(): Tca8418KeypadStats {
    return { ...this.counters };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.configured = false;
    // Events already queued were typed before we were listening: their age is unknown.
    this.flushPending = true;
    const line = this.opts.interrupt;
    if (line) {
      const active = this.opts.interruptActiveLevel ?? 0;
      this.unwatch = line.watch((level) => {
        if (level === active && !this.backoff.faulted) this.trigger();
      });
    }
    await this.trigger();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.unwatch?.();
    this.unwatch = null;
    await this.inflight;
  }

  /** Runs a pass now, or marks one more pass if one is in flight. */
  private trigger(): Promise<void> {
    if (!this.running) return Promise.resolve();
    if (this.inflight) {
      this.rerun = true;
      return this.inflight;
    }
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.inflight = this.runPasses().finally(() => {
      this.inflight = null;
      this.schedule();
    });
    return this.inflight;
  }

  private async runPasses(): Promise<void> {
    try {
      do {
        this.rerun = false;
        await this.pass();
      } while (this.rerun && this.running);
      const now = this.opts.clock.now();
      if (this.backoff.succeeded(now) !== null && this.running) {
        callSafely(this.opts.onRecovered, { device: "keypad", atMs: now });
      }
    } catch (err) {
      this.counters.i2cErrors++;
      // A NACK may mean the chip was power-cycled and lost its matrix setup: redo it.
      this.configured = false;
      const now = this.opts.clock.now();
      const { started, delayMs } = this.backoff.failed(now);
      this.retryDelayMs = delayMs;
      if (started && this.running) {
        const detail = `TCA8418 at 0x${this.address.toString(16)}: ${err instanceof Error ? err.message : String(err)}`;
        callSafely(this.opts.onFault, { device: "keypad", detail, atMs: now });
      }
    }
  }

  private schedule(): void {
    if (!this.running) return;
    const delayMs = this.backoff.faulted
      ? this.retryDelayMs
      : this.opts.interrupt
        ? (this.opts.safetyPollMs ?? 1000)
        : (this.opts.pollMs ?? 20);
    this.cancelTimer = this.opts.clock.setTimeout(() => {
      this.cancelTimer = null;
      void this.trigger();
    }, delayMs);
  }

  private async pass(): Promise<void> {
    if (!this.configured) {
      await this.configure();
      const stale = this.backoff.outageMs(this.opts.clock.now()) > (this.opts.staleAfterMs ?? 5000);
      if (this.flushPending || stale) {
        await this.flush();
        this.flushPending = false;
      }
      this.configured = true;
    }
    await this.drain();
  }

  /** Matrix on rows 0-3 and columns 0-2, then interrupts. Idempotent; leaves the FIFO alone. */
  private async configure(): Promise<void> {
    const [gpio1, gpio2, gpio3] = matrixSelection(4, 3); // 0x0F, 0x07, 0x00
    await this.write(REG_KP_GPIO1, gpio1);
    await this.write(REG_KP_GPIO2, gpio2);
    await this.write(REG_KP_GPIO3, gpio3);
    await this.write(REG_CFG, TCA8418_CFG);
  }

  /** Reads and discards queued events, then clears every interrupt source. */
  private async flush(): Promise<void> {
    const count = (await this.read(REG_KEY_LCK_EC)) & KEY_EVENT_COUNT_MASK;
    for (let i = 0; i < count; i++) {
      if ((await this.read(REG_KEY_EVENT_A)) === 0) break;
      this.counters.staleDiscarded++;
    }
    await this.write(REG_INT_STAT, INT_STAT_CLEAR_ALL);
  }

  /**
   * The datasheet sequence: INT_STAT, event count, pop KEY_EVENT_A that many times, then
   * write 1 to the flags seen. Repeats while events keep arriving so none wait for the next poll.
   * With an INT line the FIFO's head is popped first: INT already says an event waits, and on a
   * Pi each register read is ~0.1 ms at 400 kHz, so the key (the final '#' someone waits on)
   * goes out after one transaction instead of three. The sequence then runs as before for the
   * rest; the order of the keys, and overflow reported after them, are the same. (A safety poll
   * with nothing queued costs one read more: once a second.)
   */
  private async drain(): Promise<void> {
    if (this.opts.interrupt) {
      const head = await this.read(REG_KEY_EVENT_A);
      if (head !== 0) this.handleEvent(head);
    }
    for (let round = 0; round < MAX_DRAIN_ROUNDS && this.running; round++) {
      const status = await this.read(REG_INT_STAT);
      const count = (await this.read(REG_KEY_LCK_EC)) & KEY_EVENT_COUNT_MASK;
      const flags = status & (INT_K_INT | INT_OVR_FLOW_INT);
      if (count === 0 && flags === 0) return;
      for (let i = 0; i < count; i++) {
        const event = await this.read(REG_KEY_EVENT_A);
        if (event === 0) break; // FIFO empty sooner than counted
        this.handleEvent(event);
      }
      if (flags !== 0) await this.write(REG_INT_STAT, flags);
      if (status & INT_OVR_FLOW_INT && this.running) {
        this.counters.overflows++;
        callSafely(this.opts.onOverflow, { device: "keypad", atMs: this.opts.clock.now() });
      }
      if (count === 0) return;
    }
  }

  private handleEvent(event: number): void {
    const pos = decodeMatrixKeyCode(event & EVENT_CODE_MASK);
    const key = pos ? this.grid[pos.row]?.[pos.col] : undefined;
    if (!key) {
      this.counters.unknownKeyCodes++;
      return;
    }
    if (!(event & EVENT_PRESS) || !this.running) return; // releases carry nothing we act on
    this.counters.keysDelivered++;
    // The chip keeps no timestamps: a key read late carries the read time.
    callSafely(this.opts.onKey, { key, atMs: this.opts.clock.now() });
  }

  private async read(reg: number): Promise<number> {
    const data = await this.opts.bus.readRegister(this.address, reg, 1);
    const value = data[0];
    if (value === undefined) throw new Error(`short read of register 0x${reg.toString(16)}`);
    return value;
  }

  private write(reg: number, value: number): Promise<void> {
    return this.opts.bus.writeRegister(this.address, reg, Buffer.from([value]));
  }
}
