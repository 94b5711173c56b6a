import type { Clock, I2cBus } from "../devices/types.js";

/**
 * The chip side of a simulated I2C bus. A register-addressed transaction arrives as
 * "write the register pointer, then read or write bytes", which is how the wire looks for
 * register chips (TCA8418) and, byte for byte, for port expanders that ignore the pointer
 * meaning (PCF8574 sees the pointer as one more byte written to its port).
 */
export interface I2cTarget {
  readRegister(reg: number, length: number): Buffer;
  writeRegister(reg: number, data: Buffer): void;
}

/** One completed transaction, for golden tests of exact wire traffic. */
export interface I2cTransaction {
  op: "read" | "write";
  addr: number;
  reg: number;
  /** Bytes written, or bytes the chip returned. */
  data: Buffer;
  atMs: number;
}

/** The errors a Linux I2C adapter reports, with the errno code real backends carry. */
export class I2cBusError extends Error {
  constructor(
    message: string,
    readonly code: "ENXIO" | "EIO",
    readonly addr: number,
  ) {
    super(message);
    this.name = "I2cBusError";
  }
}

function hex(addr: number): string {
  return `0x${addr.toString(16).padStart(2, "0")}`;
}

interface Faults {
  nack: boolean;
  failNext: number;
  latencyMs: number;
}

/** Transactions the simulated bus remembers at most: ~0.4 MB of heap, plenty for a test's asserts. */
export const I2C_LOG_CAP = 2_000;

/**
 * A simulated I2C bus. Virtual chips attach at 7-bit addresses; a transaction to an empty
 * address, or to one told to NACK, rejects like the kernel does (ENXIO). Transient bus
 * errors (EIO) and latency are injected per address. The bus is an instance: no shared state.
 */
export class SimI2cBus implements I2cBus {
  private targets = new Map<number, I2cTarget>();
  private faults = new Map<number, Faults>();
  /**
   * Recent transactions that reached a chip, oldest first (between I2C_LOG_CAP / 2 and the cap
   * once full). Tests may clear it. Bounded, because `npm start` polls the keypad 50 times a
   * second for as long as it runs.
   */
  transactions: I2cTransaction[] = [];

  constructor(private readonly clock: Clock) {}

  attach(addr: number, target: I2cTarget): void {
    checkAddress(addr);
    if (this.targets.has(addr)) throw new Error(`I2C address ${hex(addr)} is already taken`);
    this.targets.set(addr, target);
  }

  /** Unplugs the chip: later transactions NACK. */
  detach(addr: number): void {
    this.targets.delete(addr);
  }

  /** While on, the chip at addr does not acknowledge (a loose wire, a chip held in reset). */
  nack(addr: number, on: boolean): void {
    this.faultsFor(addr).nack = on;
  }

  /** The next n transactions to addr fail with a bus error (EIO), then traffic flows again. */
  failNext(addr: number, n: number): void {
    this.faultsFor(addr).failNext = n;
  }

  /** Each transaction to addr completes after ms on the injected clock (clock stretching, slow bus). */
  latency(addr: number, ms: number): void {
    this.faultsFor(addr).latencyMs = ms;
  }

  async readRegister(addr: number, reg: number, length: number): Promise<Buffer> {
    const target = await this.begin(addr);
    const data = Buffer.from(target.readRegister(reg & 0xff, length));
    this.logTransaction({ op: "read", addr, reg, data: Buffer.from(data), atMs: this.clock.now() });
    return data;
  }

  async writeRegister(addr: number, reg: number, data: Buffer): Promise<void> {
    const target = await this.begin(addr);
    this.logTransaction({ op: "write", addr, reg, data: Buffer.from(data), atMs: this.clock.now() });
    target.writeRegister(reg & 0xff, Buffer.from(data));
  }

  private logTransaction(t: I2cTransaction): void {
    this.transactions.push(t);
    if (this.transactions.length > I2C_LOG_CAP) this.transactions.splice(0, I2C_LOG_CAP / 2);
  }

  /** Writes seen at addr, as [reg, ...data] arrays: convenient for exact-byte assertions. */
  writesTo(addr: number): number[][] {
    return this.transactions
      .filter((t) => t.op === "write" && t.addr === addr)
      .map((t) => [t.reg, ...t.data]);
  }

  private faultsFor(addr: number): Faults {
    checkAddress(addr);
    let f = this.faults.get(addr);
    if (!f) {
      f = { nack: false, failNext: 0, latencyMs: 0 };
      this.faults.set(addr, f);
    }
    return f;
  }

  private async begin(addr: number): Promise<I2cTarget> {
    checkAddress(addr);
    const f = this.faults.get(addr);
    if (f && f.latencyMs > 0) {
      await new Promise<void>((resolve) => this.clock.setTimeout(resolve, f.latencyMs));
    }
    const target = this.targets.get(addr);
    if (!target || f?.nack) {
      throw new I2cBusError(`I2C ${hex(addr)}: no ACK from the device (ENXIO)`, "ENXIO", addr);
    }
    if (f && f.failNext > 0) {
      f.failNext--;
      throw new I2cBusError(`I2C ${hex(addr)}: bus error (EIO)`, "EIO", addr);
    }
    return target;
  }
}

function checkAddress(addr: number): void {
  // 0x00-0x07 and 0x78-0x7F are reserved by the I2C specification.
  if (!Number.isInteger(addr) || addr < 0x08 || addr > 0x77) {
    throw new RangeError(`I2C address ${addr} is outside 0x08-0x77`);
  }
}
