import { DEFAULT_KEYPAD_LAYOUT, parseKeypadLayout } from "../devices/keypad/keypad.js";
import { PCF8574_COL_BITS, PCF8574_ROW_BITS } from "../devices/keypad/pcf8574-keypad.js";
import type { Clock, KeypadKey } from "../devices/types.js";
import { queueKeystrokes } from "./keystrokes.js";
import { OrderedSteps } from "./ordered-steps.js";
import type { I2cTarget } from "./sim-i2c.js";

export interface VirtualPcf8574MatrixOptions {
  clock: Clock;
  layout?: readonly string[];
  /**
   * Scans of a key a typing finger waits for before letting go: the host driver counts a key seen
   * in two consecutive scans (Pcf8574Keypad's debounce), and beeps then.
   */
  ackScans?: number;
  /** Longest a typing finger holds a key nobody scans (a person hearing no beep gives up). */
  maxHoldMs?: number;
}

/** A typing finger waiting to let go of a key. */
interface PendingRelease {
  released: Promise<void>;
  resolve: () => void;
  cancelGiveUp: () => void;
}

/**
 * A PCF8574 with a 4x3 key matrix on its pins (rows P0-P3, columns P4-P6). Quasi-bidirectional
 * port: a 0 bit pulls the pin low hard, a 1 bit is a weak pull-up that any closed key to a low
 * pin overrides. Every byte written (the I2C "register" byte included) lands on the port latch;
 * a read returns the pin levels. Presses are held for a time on the injected clock, because the
 * host only sees a key for as long as it scans it.
 *
 * Typed keys (type(), or typePaced through letGo) are held like a person holds them: at least the
 * hold time and until the host has read the key in ackScans scans, as a person holds until the
 * keypad beeps. On a loaded host the driver's scan timer wakes late, so a fixed 80 ms hold could
 * fall between two scans and the key was lost; a person would have held on. The chip sees each
 * scan on its own port (a read with the key's row driven low), so this needs nothing from the
 * driver. press() holds for exactly its time, for tests of short or bouncing contacts.
 */
export class VirtualPcf8574Matrix implements I2cTarget {
  private latch = 0xff;
  private readonly held = new Set<KeypadKey>();
  /** Reads, since each held key went down, in which the host saw it (its row driven low). */
  private readonly scansSeen = new Map<KeypadKey, number>();
  private readonly downAtMs = new Map<KeypadKey, number>();
  private readonly releases = new Map<KeypadKey, PendingRelease>();
  private readonly positions = new Map<KeypadKey, { row: number; col: number }>();
  /** Keystrokes typed but not yet done, in order (one timer, so a stall cannot reorder them). */
  private readonly keystrokes: OrderedSteps;

  constructor(private readonly opts: VirtualPcf8574MatrixOptions) {
    this.keystrokes = new OrderedSteps(opts.clock);
    parseKeypadLayout(opts.layout ?? DEFAULT_KEYPAD_LAYOUT).forEach((row, r) => {
      row.forEach((key, c) => {
        this.positions.set(key, { row: r, col: c });
      });
    });
  }

  get portLatch(): number {
    return this.latch;
  }

  keyDown(key: KeypadKey): void {
    if (!this.positions.has(key)) throw new Error(`key "${key}" is not on this keypad`);
    if (this.held.has(key)) return;
    this.held.add(key);
    this.scansSeen.set(key, 0);
    this.downAtMs.set(key, this.opts.clock.now());
  }

  keyUp(key: KeypadKey): void {
    this.held.delete(key);
    this.scansSeen.delete(key);
    this.downAtMs.delete(key);
    const release = this.releases.get(key);
    if (!release) return;
    this.releases.delete(key);
    release.cancelGiveUp();
    release.resolve();
  }

  /** Keys down now, in the order they went down. */
  heldKeys(): KeypadKey[] {
    return [...this.held];
  }

  /**
   * Lets go of the key once the host has scanned it ackScans times, or maxHoldMs after it went
   * down if the host never does (no driver, a bus fault). Resolves when it is up.
   */
  letGo(key: KeypadKey): Promise<void> {
    const pending = this.releases.get(key);
    if (pending) return pending.released;
    if (!this.held.has(key)) return Promise.resolve();
    if ((this.scansSeen.get(key) ?? 0) >= (this.opts.ackScans ?? 2)) {
      this.keyUp(key);
      return Promise.resolve();
    }
    const { clock } = this.opts;
    const heldMs = clock.now() - (this.downAtMs.get(key) ?? clock.now());
    let resolve: () => void = () => {};
    const released = new Promise<void>((r) => {
      resolve = r;
    });
    const giveUpInMs = Math.max(0, (this.opts.maxHoldMs ?? 1_000) - heldMs);
    const cancelGiveUp = clock.setTimeout(() => this.keyUp(key), giveUpInMs);
    this.releases.set(key, { released, resolve, cancelGiveUp });
    return released;
  }

  /** Holds the key for holdMs on the clock. */
  press(key: KeypadKey, holdMs = 80): void {
    this.keyDown(key);
    this.opts.clock.setTimeout(() => this.keyUp(key), holdMs);
  }

  /**
   * Types like a person: each key held holdMs and until the host has read it (letGo), then gapMs
   * from its release before the next; text typed while earlier text is still being typed follows
   * it. Resolves once the last key is released.
   */
  type(keys: string, holdMs = 80, gapMs = 80): Promise<void> {
    const presses = [...keys] as KeypadKey[];
    const unknown = presses.find((key) => !this.positions.has(key));
    if (unknown !== undefined) throw new Error(`key "${unknown}" is not on this keypad`);
    return queueKeystrokes(this.keystrokes, this, presses, holdMs, gapMs);
  }

  /** The pin levels: latch levels, with closed keys joining a row and a column (low wins). */
  pins(): number {
    let levels = this.latch;
    for (let changed = true; changed; ) {
      changed = false;
      for (const key of this.held) {
        const pos = this.positions.get(key);
        if (!pos) continue;
        const rowBit = 1 << (PCF8574_ROW_BITS[pos.row] ?? 0);
        const colBit = 1 << (PCF8574_COL_BITS[pos.col] ?? 0);
        const low = !(levels & rowBit) || !(levels & colBit);
        if (low && levels & (rowBit | colBit)) {
          levels &= ~(rowBit | colBit);
          changed = true;
        }
      }
    }
    return levels;
  }

  readRegister(reg: number, length: number): Buffer {
    this.latch = reg & 0xff; // the pointer byte is just a byte written to the port
    const levels = this.pins();
    this.countScans(levels);
    return Buffer.alloc(length, levels);
  }

  /** A read with a held key's row driven low and its column read low: the host has seen it. */
  private countScans(levels: number): void {
    for (const key of [...this.held]) {
      const pos = this.positions.get(key);
      if (!pos) continue;
      const rowDriven = !(this.latch & (1 << (PCF8574_ROW_BITS[pos.row] ?? 0)));
      const columnLow = !(levels & (1 << (PCF8574_COL_BITS[pos.col] ?? 0)));
      if (!rowDriven || !columnLow) continue;
      const seen = (this.scansSeen.get(key) ?? 0) + 1;
      this.scansSeen.set(key, seen);
      // Let go after this read: the host already has the level it read.
      if (this.releases.has(key) && seen >= (this.opts.ackScans ?? 2)) this.keyUp(key);
    }
  }

  writeRegister(reg: number, data: Buffer): void {
    this.latch = reg & 0xff;
    for (const byte of data) this.latch = byte;
  }
}
