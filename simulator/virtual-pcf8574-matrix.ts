import { DEFAULT_KEYPAD_LAYOUT, parseKeypadLayout } from "../devices/keypad/keypad.js";
import { PCF8574_COL_BITS, PCF8574_ROW_BITS } from "../devices/keypad/pcf8574-keypad.js";
import type { Clock, KeypadKey } from "../devices/types.js";
import { queueKeystrokes } from "./keystrokes.js";
import { OrderedSteps } from "./ordered-steps.js";
import type { I2cTarget } from "./sim-i2c.js";

export interface VirtualPcf8574MatrixOptions {
  clock: Clock;
  layout?: readonly string[];
}

/**
 * A PCF8574 with a 4x3 key matrix on its pins (rows P0-P3, columns P4-P6). Quasi-bidirectional
 * port: a 0 bit pulls the pin low hard, a 1 bit is a weak pull-up that any closed key to a low
 * pin overrides. Every byte written (the I2C "register" byte included) lands on the port latch;
 * a read returns the pin levels. Presses are held for a time on the injected clock, because the
 * host only sees a key for as long as it scans it.
 */
export class VirtualPcf8574Matrix implements I2cTarget {
  private latch = 0xff;
  private readonly held = new Set<KeypadKey>();
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
    this.held.add(key);
  }

  keyUp(key: KeypadKey): void {
    this.held.delete(key);
  }

  /** Holds the key for holdMs on the clock. */
  press(key: KeypadKey, holdMs = 80): void {
    this.keyDown(key);
    this.opts.clock.setTimeout(() => this.keyUp(key), holdMs);
  }

  /**
   * Types like a person: each key held holdMs, then gapMs before the next; text typed while
   * earlier text is still being typed follows it. Resolves once the last key is released.
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
    return Buffer.alloc(length, this.pins());
  }

  writeRegister(reg: number, data: Buffer): void {
    this.latch = reg & 0xff;
    for (const byte of data) this.latch = byte;
  }
}
