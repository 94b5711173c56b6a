import { DEFAULT_KEYPAD_LAYOUT, parseKeypadLayout } from "../devices/keypad/keypad.js";
import {
  CFG_AI,
  CFG_INT_CFG,
  CFG_KE_IEN,
  CFG_OVR_FLOW_IEN,
  CFG_OVR_FLOW_M,
  EVENT_PRESS,
  FIFO_DEPTH,
  INT_K_INT,
  INT_OVR_FLOW_INT,
  matrixKeyCode,
  REG_CFG,
  REG_INT_STAT,
  REG_KEY_EVENT_A,
  REG_KEY_EVENT_J,
  REG_KEY_LCK_EC,
  REG_KP_GPIO1,
  REG_KP_GPIO2,
  REG_KP_GPIO3,
  REG_LAST,
} from "../devices/keypad/tca8418-registers.js";
import type { Clock, KeypadKey } from "../devices/types.js";
import type { SimPin } from "./sim-gpio.js";
import type { I2cTarget } from "./sim-i2c.js";

export interface VirtualTca8418Options {
  clock: Clock;
  /** The INT output (wire side): open-drain, idles high, pulled low while an enabled interrupt is pending. */
  intPin?: SimPin;
  /** Which key sits at row r, column c of the matrix wired to the chip (rows 0-3, columns 0-2). */
  layout?: readonly string[];
}

/**
 * A TCA8418 as seen over I2C: the register file, the 10-event FIFO popped by reads of
 * KEY_EVENT_A, write-1-to-clear INT_STAT and the INT pin. Keys are pressed by a person-level
 * API; a key only registers if KP_GPIO1..3 put its row and column in the matrix, as on the chip.
 *
 * Modelling choices, from our reading of the datasheet:
 * - K_INT cannot be cleared while events are queued. With INT_CFG=1 the write still pulses INT
 *   high for ~50 µs (modelled as one 0 ms timer on the clock) so an edge-watching host sees a
 *   fresh falling edge; with INT_CFG=0 INT simply stays low.
 * - FIFO overflow sets OVR_FLOW_INT. OVR_FLOW_M=0: the new event is lost (the FIFO keeps the
 *   oldest ten). OVR_FLOW_M=1: the oldest event is pushed out.
 * - With AI=0 a multi-byte access repeats the same register (so a 3-byte read of KEY_EVENT_A
 *   pops three events); with AI=1 the pointer advances.
 */
export class VirtualTca8418 implements I2cTarget {
  private regs = new Uint8Array(REG_LAST + 1);
  private fifo: number[] = [];
  private readonly positions = new Map<KeypadKey, { row: number; col: number }>();
  private cancelPulse: (() => void) | null = null;
  /** Events dropped because the FIFO was full. */
  lostEvents = 0;
  /** Presses of keys whose row or column KP_GPIO has not put in the matrix. */
  ignoredPresses = 0;

  constructor(private readonly opts: VirtualTca8418Options) {
    parseKeypadLayout(opts.layout ?? DEFAULT_KEYPAD_LAYOUT).forEach((row, r) => {
      row.forEach((key, c) => {
        this.positions.set(key, { row: r, col: c });
      });
    });
    opts.intPin?.drive(1);
  }

  // ---- person-level API ----

  /** A full keystroke: press and release events. */
  press(key: KeypadKey): void {
    const code = this.matrixCode(key);
    if (code === null) return;
    this.pushEvent(EVENT_PRESS | code);
    this.pushEvent(code);
  }

  /** Types each character, e.g. "1234#". */
  type(keys: string): void {
    for (const ch of keys) this.press(this.keyOf(ch));
  }

  keyDown(key: KeypadKey): void {
    const code = this.matrixCode(key);
    if (code !== null) this.pushEvent(EVENT_PRESS | code);
  }

  keyUp(key: KeypadKey): void {
    const code = this.matrixCode(key);
    if (code !== null) this.pushEvent(code);
  }

  // ---- fault injection and inspection ----

  /** Queues a raw event byte, e.g. a GPI event or a key outside the layout. */
  injectEvent(event: number): void {
    this.pushEvent(event & 0xff);
  }

  /** Power loss: every register returns to its reset value and the FIFO empties. */
  powerCycle(): void {
    this.regs.fill(0);
    this.fifo = [];
    this.cancelPulse?.();
    this.cancelPulse = null;
    this.updateInt();
  }

  /** A register's value without side effects (no FIFO pop). */
  peek(reg: number): number {
    return reg === REG_KEY_LCK_EC
      ? this.keyLckEc()
      : reg === REG_KEY_EVENT_A
        ? (this.fifo[0] ?? 0)
        : (this.regs[reg] ?? 0);
  }

  get queuedEvents(): number {
    return this.fifo.length;
  }

  // ---- I2C side ----

  readRegister(reg: number, length: number): Buffer {
    const out = Buffer.alloc(length);
    let ptr = reg;
    for (let i = 0; i < length; i++) {
      out[i] = this.readOne(ptr);
      if (this.r(REG_CFG) & CFG_AI) ptr = ptr >= REG_LAST ? 0 : ptr + 1;
    }
    return out;
  }

  writeRegister(reg: number, data: Buffer): void {
    let ptr = reg;
    for (const byte of data) {
      this.writeOne(ptr, byte);
      if (this.r(REG_CFG) & CFG_AI) ptr = ptr >= REG_LAST ? 0 : ptr + 1;
    }
  }

  private readOne(reg: number): number {
    if (reg === REG_KEY_LCK_EC) return this.keyLckEc();
    if (reg === REG_KEY_EVENT_A) return this.fifo.shift() ?? 0;
    if (reg > REG_KEY_EVENT_A && reg <= REG_KEY_EVENT_J) return this.fifo[reg - REG_KEY_EVENT_A] ?? 0;
    return this.regs[reg] ?? 0;
  }

  private writeOne(reg: number, value: number): void {
    if (reg > REG_LAST) return; // no such register: the chip ignores it
    if (reg === REG_INT_STAT) {
      this.clearInterrupts(value);
      return;
    }
    if (reg >= REG_KEY_EVENT_A && reg <= REG_KEY_EVENT_J) return; // read-only
    if (reg === REG_KEY_LCK_EC) {
      this.regs[reg] = value & 0x70; // lock bits are writable, the count is not
      return;
    }
    this.regs[reg] = value;
    if (reg === REG_CFG) this.updateInt();
  }

  private clearInterrupts(value: number): void {
    let stat = this.r(REG_INT_STAT) & ~value;
    const pendingKeys = this.fifo.length > 0 && value & INT_K_INT;
    if (pendingKeys) stat |= INT_K_INT;
    this.regs[REG_INT_STAT] = stat;
    if (pendingKeys && this.r(REG_CFG) & CFG_INT_CFG && this.intAsserted()) {
      this.opts.intPin?.drive(1);
      this.cancelPulse?.();
      this.cancelPulse = this.opts.clock.setTimeout(() => {
        this.cancelPulse = null;
        this.updateInt();
      }, 0);
      return;
    }
    this.updateInt();
  }

  private pushEvent(event: number): void {
    if (this.fifo.length >= FIFO_DEPTH) {
      this.regs[REG_INT_STAT] = this.r(REG_INT_STAT) | INT_OVR_FLOW_INT;
      this.lostEvents++;
      if (this.r(REG_CFG) & CFG_OVR_FLOW_M) {
        this.fifo.shift();
        this.fifo.push(event);
      }
    } else {
      this.fifo.push(event);
    }
    this.regs[REG_INT_STAT] = this.r(REG_INT_STAT) | INT_K_INT;
    this.updateInt();
  }

  /** A register's stored byte (0 for an unimplemented address). */
  private r(reg: number): number {
    return this.regs[reg] ?? 0;
  }

  private keyLckEc(): number {
    return (this.r(REG_KEY_LCK_EC) & 0x70) | this.fifo.length;
  }

  private intAsserted(): boolean {
    const cfg = this.r(REG_CFG);
    const stat = this.r(REG_INT_STAT);
    return Boolean(
      (cfg & CFG_KE_IEN && stat & INT_K_INT) || (cfg & CFG_OVR_FLOW_IEN && stat & INT_OVR_FLOW_INT),
    );
  }

  private updateInt(): void {
    if (this.cancelPulse) return; // inside the ~50 µs deassert pulse
    this.opts.intPin?.drive(this.intAsserted() ? 0 : 1);
  }

  private matrixCode(key: KeypadKey): number | null {
    const pos = this.positions.get(key);
    if (!pos) throw new Error(`key "${key}" is not on this keypad`);
    const rowOn = this.r(REG_KP_GPIO1) & (1 << pos.row);
    const colReg = pos.col < 8 ? REG_KP_GPIO2 : REG_KP_GPIO3;
    const colOn = this.r(colReg) & (1 << (pos.col % 8));
    if (!rowOn || !colOn) {
      this.ignoredPresses++;
      return null;
    }
    return matrixKeyCode(pos.row, pos.col);
  }

  private keyOf(ch: string): KeypadKey {
    if (!this.positions.has(ch as KeypadKey)) throw new Error(`key "${ch}" is not on this keypad`);
    return ch as KeypadKey;
  }
}
