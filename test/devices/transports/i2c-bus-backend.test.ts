import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it, vi } from "vitest";
import { I2cBusBackend, type PromisifiedI2c } from "../../../devices/transports/i2c-bus-backend.js";

const dirs: string[] = [];
function fakeDev(busNumber: number): string {
  const dir = mkdtempSync(join(tmpdir(), "doorward-i2c-"));
  dirs.push(dir);
  writeFileSync(join(dir, `i2c-${busNumber}`), "");
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function fakeBus(overrides: Partial<PromisifiedI2c> = {}) {
  const calls: unknown[][] = [];
  const bus: PromisifiedI2c = {
    readI2cBlock: async (addr, cmd, length, buffer) => {
      calls.push(["readI2cBlock", addr, cmd, length]);
      buffer.fill(0xab, 0, length);
      return { bytesRead: length, buffer };
    },
    writeI2cBlock: async (addr, cmd, length, buffer) => {
      calls.push(["writeI2cBlock", addr, cmd, length, [...buffer]]);
      return { bytesWritten: length, buffer };
    },
    writeByte: async (addr, cmd, byte) => {
      calls.push(["writeByte", addr, cmd, byte]);
    },
    close: async () => {},
    ...overrides,
  };
  return { bus, calls };
}

describe("I2cBusBackend.open", () => {
  it("rejects with a clear ENOENT error when /dev/i2c-N is missing, without loading the native module", async () => {
    const load = vi.fn();
    const err = await I2cBusBackend.open(250, { load }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Error);
    expect(err).toMatchObject({
      code: "ENOENT",
      message: expect.stringMatching(/\/dev\/i2c-250 does not exist.*dtparam=i2c_arm=on/),
    });
    expect(load).not.toHaveBeenCalled();
  });

  it.skipIf(process.getuid?.() === 0)("explains missing permission (i2c group)", async () => {
    const dir = fakeDev(7);
    chmodSync(join(dir, "i2c-7"), 0o000);
    await expect(I2cBusBackend.open(7, { devDir: dir })).rejects.toMatchObject({
      code: "EACCES",
      message: expect.stringMatching(/i2c group/),
    });
  });

  it("explains a native module that fails to load", async () => {
    const dir = fakeDev(1);
    const load = () => Promise.reject(new Error("Could not locate the bindings file"));
    await expect(I2cBusBackend.open(1, { devDir: dir, load })).rejects.toThrow(
      /i2c-bus native module could not be loaded/,
    );
  });

  it("loads the real i2c-bus lazily; a transfer on a node that is not a bus fails with an error, not a crash", async () => {
    const dir = fakeDev(9);
    const backend = await I2cBusBackend.open(9, { devDir: dir });
    // i2c-bus opens /dev/i2c-9 itself on first use; on this machine it does not exist.
    await expect(backend.readRegister(0x34, 0x03, 1)).rejects.toThrow(/I2C bus 9, 0x34/);
    await backend.close();
  });
});

describe("I2cBusBackend transfers", () => {
  it("uses writeByte for one byte and writeI2cBlock for more", async () => {
    const { bus, calls } = fakeBus();
    const backend = new I2cBusBackend(bus, 1);
    await backend.writeRegister(0x34, 0x01, Buffer.from([0x19]));
    await backend.writeRegister(0x34, 0x1d, Buffer.from([0x0f, 0x07, 0x00]));
    expect(calls).toEqual([
      ["writeByte", 0x34, 0x01, 0x19],
      ["writeI2cBlock", 0x34, 0x1d, 3, [0x0f, 0x07, 0x00]],
    ]);
  });

  it("reads register blocks and rejects short reads", async () => {
    const { bus, calls } = fakeBus();
    const backend = new I2cBusBackend(bus, 1);
    expect([...(await backend.readRegister(0x34, 0x04, 2))]).toEqual([0xab, 0xab]);
    expect(calls).toEqual([["readI2cBlock", 0x34, 0x04, 2]]);
    const short = new I2cBusBackend(
      fakeBus({ readI2cBlock: async (_a, _c, _l, buffer) => ({ bytesRead: 0, buffer }) }).bus,
      1,
    );
    await expect(short.readRegister(0x34, 0x04, 1)).rejects.toThrow(/short read, 0 of 1/);
  });

  it("keeps the errno of a NACK and names bus and address", async () => {
    const nack = Object.assign(new Error("Remote I/O error"), { code: "EREMOTEIO" });
    const backend = new I2cBusBackend(fakeBus({ writeByte: () => Promise.reject(nack) }).bus, 1);
    await expect(backend.writeRegister(0x34, 0x01, Buffer.from([0x19]))).rejects.toMatchObject({
      code: "EREMOTEIO",
      message: expect.stringMatching(/I2C bus 1, 0x34: Remote I\/O error \(no ACK/),
    });
  });

  it("refuses transfers the kernel interface cannot do", async () => {
    const backend = new I2cBusBackend(fakeBus().bus, 1);
    await expect(backend.readRegister(0x34, 0, 33)).rejects.toThrow(RangeError);
    await expect(backend.writeRegister(0x34, 0, Buffer.alloc(0))).rejects.toThrow(RangeError);
  });
});
