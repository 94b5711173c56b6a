import { constants } from "node:fs";
import { access } from "node:fs/promises";
import type { I2cBus } from "../types.js";

/** The part of i2c-bus's PromisifiedBus (v5) that we use. */
export interface PromisifiedI2c {
  readI2cBlock(
    addr: number,
    cmd: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesRead: number; buffer: Buffer }>;
  writeI2cBlock(
    addr: number,
    cmd: number,
    length: number,
    buffer: Buffer,
  ): Promise<{ bytesWritten: number; buffer: Buffer }>;
  writeByte(addr: number, cmd: number, byte: number): Promise<void>;
  close(): Promise<void>;
}

interface I2cBusModule {
  openPromisified(busNumber: number): Promise<PromisifiedI2c>;
}

export interface OpenI2cBusOptions {
  /** Where the bus device nodes live; tests point this elsewhere. */
  devDir?: string;
  /** Loads the native module; tests replace it. */
  load?: () => Promise<I2cBusModule>;
}

/** SMBus/I2C block transfers are limited to 32 bytes by the kernel interface. */
const MAX_BLOCK = 32;

/** An Error that keeps the errno code of the error it explains. */
function explained(message: string, cause: unknown): Error {
  const err = new Error(message, { cause }) as Error & { code?: string };
  const code = (cause as { code?: unknown } | null)?.code;
  if (typeof code === "string") err.code = code;
  return err;
}

async function loadI2cBus(): Promise<I2cBusModule> {
  // A variable specifier keeps the native module out of the type graph and out of any
  // machine that never opens a real bus (the simulator, CI).
  const specifier = "i2c-bus";
  const mod = (await import(specifier)) as { default?: I2cBusModule } & I2cBusModule;
  return mod.default ?? mod;
}

/**
 * I2cBus over the i2c-bus package on a Linux /dev/i2c-N node. Register reads are I2C block
 * reads (pointer write, repeated start, read); single-byte writes use SMBus write-byte-data,
 * longer ones I2C block writes. Errors carry the errno (ENXIO/EREMOTEIO = NACK, EIO, EBUSY).
 */
export class I2cBusBackend implements I2cBus {
  constructor(
    private readonly bus: PromisifiedI2c,
    readonly busNumber: number,
  ) {}

  /**
   * Opens /dev/i2c-busNumber. i2c-bus itself opens the node lazily on the first transfer, so we
   * check it first to fail at startup with a message that says what to fix.
   */
  static async open(busNumber: number, opts: OpenI2cBusOptions = {}): Promise<I2cBusBackend> {
    if (!Number.isInteger(busNumber) || busNumber < 0)
      throw new RangeError(`I2C bus number ${busNumber} is invalid`);
    const node = `${opts.devDir ?? "/dev"}/i2c-${busNumber}`;
    try {
      await access(node, constants.R_OK | constants.W_OK);
    } catch (err) {
      const code = (err as { code?: string }).code;
      if (code === "ENOENT") {
        throw explained(
          `I2C bus ${busNumber}: ${node} does not exist. Enable I2C (dtparam=i2c_arm=on in /boot/firmware/config.txt, or raspi-config) and reboot.`,
          err,
        );
      }
      if (code === "EACCES") {
        throw explained(
          `I2C bus ${busNumber}: no permission on ${node}. Add the service user to the i2c group.`,
          err,
        );
      }
      throw explained(`I2C bus ${busNumber}: cannot open ${node}: ${(err as Error).message}`, err);
    }
    let mod: I2cBusModule;
    try {
      mod = await (opts.load ?? loadI2cBus)();
    } catch (err) {
      throw explained(
        `I2C bus ${busNumber}: the i2c-bus native module could not be loaded: ${(err as Error).message}`,
        err,
      );
    }
    return new I2cBusBackend(await mod.openPromisified(busNumber), busNumber);
  }

  async readRegister(addr: number, reg: number, length: number): Promise<Buffer> {
    if (!Number.isInteger(length) || length < 1 || length > MAX_BLOCK) {
      throw new RangeError(`I2C read of ${length} bytes: 1-${MAX_BLOCK} per transfer`);
    }
    const buffer = Buffer.alloc(length);
    const { bytesRead } = await this.wrap(addr, () => this.bus.readI2cBlock(addr, reg, length, buffer));
    if (bytesRead !== length)
      throw new Error(`${this.where(addr)}: short read, ${bytesRead} of ${length} bytes`);
    return buffer;
  }

  async writeRegister(addr: number, reg: number, data: Buffer): Promise<void> {
    if (data.length < 1 || data.length > MAX_BLOCK) {
      throw new RangeError(`I2C write of ${data.length} bytes: 1-${MAX_BLOCK} per transfer`);
    }
    const byte = data[0];
    if (data.length === 1 && byte !== undefined) {
      await this.wrap(addr, () => this.bus.writeByte(addr, reg, byte));
      return;
    }
    await this.wrap(addr, () => this.bus.writeI2cBlock(addr, reg, data.length, data));
  }

  close(): Promise<void> {
    return this.bus.close();
  }

  private where(addr: number): string {
    return `I2C bus ${this.busNumber}, 0x${addr.toString(16).padStart(2, "0")}`;
  }

  private async wrap<T>(addr: number, op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (err) {
      const code = (err as { code?: string }).code;
      const hint =
        code === "ENXIO" || code === "EREMOTEIO"
          ? " (no ACK: the device is absent or unpowered)"
          : code === "EBUSY"
            ? " (a kernel driver has claimed this address: remove its dtoverlay)"
            : "";
      throw explained(`${this.where(addr)}: ${(err as Error).message}${hint}`, err);
    }
  }
}
