import type { Clock, I2cBus, KeypadKey } from "../types.js";
import { FaultBackoff } from "./fault-backoff.js";
import {
  callSafely,
  DEFAULT_KEYPAD_LAYOUT,
  type Keypad,
  type KeypadHandlers,
  parseKeypadLayout,
} from "./keypad.js";

/** Rows on P0-P3, columns on P4-P6; P7 is left high (a quasi-input). */
export const PCF8574_ROW_BITS = [0, 1, 2, 3] as const;
export const PCF8574_COL_BITS = [4, 5, 6] as const;
/** All pins released: the weak pull-ups hold them high. The chip's power-on state. */
export const PCF8574_IDLE = 0xff;

/** The port byte that drives row r low and leaves every other pin a pulled-up input. */
export function rowScanByte(row: number): number {
  return PCF8574_IDLE & ~(1 << (PCF8574_ROW_BITS[row] ?? 0));
}

export interface Pcf8574KeypadOptions extends KeypadHandlers {
  bus: I2cBus;
  clock: Clock;
  /** 0x20-0x27 (PCF8574) or 0x38-0x3F (PCF8574A). */
  address?: number;
  layout?: readonly string[];
  /** Time between full matrix scans. */
  scanMs?: number;
  /** A change must be seen in this many consecutive scans before it counts (contact bounce). */
  debounceScans?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
}

export interface Pcf8574KeypadStats {
  keysDelivered: number;
  scans: number;
  /** Reads where the row we drove low did not read low: not a PCF8574 matrix, or a short. */
  implausibleReads: number;
  i2cErrors: number;
}

/**
 * A 4x3 matrix scanned by the host through a PCF8574 quasi-bidirectional port.
 *
 * The PCF8574 has no registers; every byte written goes to the port. I2cBus is register-shaped
 * (pointer byte, then data), so the pointer byte is made equal to the port value: a write puts the
 * same pattern on the port twice, and readRegister(addr, pattern, 1) sets the row pattern and reads
 * the pins back in one transaction (the read starts microseconds after the write is acknowledged;
 * an unloaded matrix settles far faster). Keys held at start or across an outage are not reported
 * until released and pressed again.
 */
export class Pcf8574Keypad implements Keypad {
  private readonly grid: KeypadKey[][];
  private readonly address: number;
  private readonly backoff: FaultBackoff;
  private running = false;
  private inflight: Promise<void> | null = null;
  private cancelTimer: (() => void) | null = null;
  private retryDelayMs = 0;
  /** Debounced key-down mask (bit = row*3+col), or null until the first settled scan. */
  private stable: number | null = null;
  private candidate = -1;
  private candidateScans = 0;
  private readonly counters: Pcf8574KeypadStats = {
    keysDelivered: 0,
    scans: 0,
    implausibleReads: 0,
    i2cErrors: 0,
  };

  constructor(private readonly opts: Pcf8574KeypadOptions) {
    this.grid = parseKeypadLayout(opts.layout ?? DEFAULT_KEYPAD_LAYOUT);
    this.address = opts.address ?? 0x20;
    this.backoff = new FaultBackoff(opts.backoffInitialMs ?? 100, opts.backoffMaxMs ?? 5000);
  }

  stats(): Pcf8574KeypadStats {
    return { ...this.counters };
  }

  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.stable = null;
    await this.runScan();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
    await this.inflight;
    // Release the rows; a failure here changes nothing about safety, so it is ignored.
    await this.opts.bus
      .writeRegister(this.address, PCF8574_IDLE, Buffer.from([PCF8574_IDLE]))
      .catch(() => {});
  }

  private runScan(): Promise<void> {
    this.inflight = this.scanOnce().finally(() => {
      this.inflight = null;
      this.schedule();
    });
    return this.inflight;
  }

  private schedule(): void {
    if (!this.running) return;
    const delayMs = this.backoff.faulted ? this.retryDelayMs : (this.opts.scanMs ?? 20);
    this.cancelTimer = this.opts.clock.setTimeout(() => {
      this.cancelTimer = null;
      if (this.running) void this.runScan();
    }, delayMs);
  }

  private async scanOnce(): Promise<void> {
    let raw: number | null;
    try {
      raw = await this.readMatrix();
    } catch (err) {
      this.counters.i2cErrors++;
      this.stable = null; // whatever was held is unknown now
      const now = this.opts.clock.now();
      const { started, delayMs } = this.backoff.failed(now);
      this.retryDelayMs = delayMs;
      if (started && this.running) {
        const detail = `PCF8574 at 0x${this.address.toString(16)}: ${err instanceof Error ? err.message : String(err)}`;
        callSafely(this.opts.onFault, { device: "keypad", detail, atMs: now });
      }
      return;
    }
    const now = this.opts.clock.now();
    if (this.backoff.succeeded(now) !== null && this.running) {
      callSafely(this.opts.onRecovered, { device: "keypad", atMs: now });
    }
    if (raw === null || !this.running) return;
    this.counters.scans++;
    this.debounce(raw, now);
  }

  /** One pass over the rows; null if a read was implausible (the scan is dropped). */
  private async readMatrix(): Promise<number | null> {
    let mask = 0;
    for (let row = 0; row < PCF8574_ROW_BITS.length; row++) {
      const pattern = rowScanByte(row);
      const pins = (await this.opts.bus.readRegister(this.address, pattern, 1))[0];
      if (pins === undefined || pins & (1 << (PCF8574_ROW_BITS[row] ?? 0))) {
        this.counters.implausibleReads++;
        return null;
      }
      PCF8574_COL_BITS.forEach((bit, col) => {
        if (!(pins & (1 << bit))) mask |= 1 << (row * 3 + col);
      });
    }
    return mask;
  }

  private debounce(raw: number, now: number): void {
    if (this.stable === null) {
      // First view after start or an outage: keys already down are not news.
      this.stable = raw;
      this.candidate = raw;
      this.candidateScans = 0;
      return;
    }
    if (raw === this.candidate) this.candidateScans++;
    else {
      this.candidate = raw;
      this.candidateScans = 1;
    }
    if (this.candidateScans < (this.opts.debounceScans ?? 2)) return;
    const pressed = raw & ~this.stable;
    this.stable = raw;
    for (let bit = 0; bit < 12; bit++) {
      if (!(pressed & (1 << bit))) continue;
      const key = this.grid[Math.floor(bit / 3)]?.[bit % 3];
      if (!key) continue;
      this.counters.keysDelivered++;
      callSafely(this.opts.onKey, { key, atMs: now });
    }
  }
}
