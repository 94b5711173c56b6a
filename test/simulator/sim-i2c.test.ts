import { describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { I2C_LOG_CAP, type I2cTarget, SimI2cBus } from "../../simulator/sim-i2c.js";

class EchoChip implements I2cTarget {
  regs = new Map<number, number>();
  readRegister(reg: number, length: number): Buffer {
    return Buffer.from(Array.from({ length }, (_, i) => this.regs.get(reg + i) ?? 0));
  }
  writeRegister(reg: number, data: Buffer): void {
    data.forEach((b, i) => {
      this.regs.set(reg + i, b);
    });
  }
}

describe("SimI2cBus", () => {
  it("routes register reads and writes to the chip at the address and logs them", async () => {
    const clock = new FakeClock();
    const bus = new SimI2cBus(clock);
    const chip = new EchoChip();
    bus.attach(0x34, chip);
    await bus.writeRegister(0x34, 0x1d, Buffer.from([0x0f, 0x07]));
    expect([...(await bus.readRegister(0x34, 0x1d, 2))]).toEqual([0x0f, 0x07]);
    expect(bus.writesTo(0x34)).toEqual([[0x1d, 0x0f, 0x07]]);
    expect(bus.transactions.map((t) => t.op)).toEqual(["write", "read"]);
  });

  it("keeps a bounded log: after I2C_LOG_CAP + 1000 transactions the newest are there, never more than the cap", async () => {
    const bus = new SimI2cBus(new FakeClock());
    bus.attach(0x34, new EchoChip());
    for (let i = 0; i < I2C_LOG_CAP + 1000; i++)
      await bus.writeRegister(0x34, i & 0xff, Buffer.from([i >> 8]));
    expect(bus.transactions.length).toBeLessThanOrEqual(I2C_LOG_CAP);
    expect(bus.transactions.length).toBeGreaterThanOrEqual(I2C_LOG_CAP / 2);
    const last = I2C_LOG_CAP + 999;
    expect(bus.writesTo(0x34).at(-1)).toEqual([last & 0xff, last >> 8]);
  });

  it("rejects like a NACK (ENXIO, naming the address) when no chip answers", async () => {
    const bus = new SimI2cBus(new FakeClock());
    await expect(bus.readRegister(0x20, 0, 1)).rejects.toMatchObject({ code: "ENXIO", message: /0x20/ });
    bus.attach(0x20, new EchoChip());
    bus.nack(0x20, true);
    await expect(bus.writeRegister(0x20, 0, Buffer.from([1]))).rejects.toMatchObject({ code: "ENXIO" });
    bus.nack(0x20, false);
    await expect(bus.writeRegister(0x20, 0, Buffer.from([1]))).resolves.toBeUndefined();
    bus.detach(0x20);
    await expect(bus.readRegister(0x20, 0, 1)).rejects.toMatchObject({ code: "ENXIO" });
  });

  it("fails exactly the next n transactions with EIO, then recovers", async () => {
    const bus = new SimI2cBus(new FakeClock());
    bus.attach(0x34, new EchoChip());
    bus.failNext(0x34, 2);
    await expect(bus.readRegister(0x34, 0, 1)).rejects.toMatchObject({ code: "EIO" });
    await expect(bus.readRegister(0x34, 0, 1)).rejects.toMatchObject({ code: "EIO" });
    await expect(bus.readRegister(0x34, 0, 1)).resolves.toHaveLength(1);
  });

  it("delays transactions by the injected latency on the clock", async () => {
    const clock = new FakeClock();
    const bus = new SimI2cBus(clock);
    bus.attach(0x34, new EchoChip());
    bus.latency(0x34, 30);
    let done = false;
    void bus.readRegister(0x34, 0, 1).then(() => {
      done = true;
    });
    await clock.advance(29);
    expect(done).toBe(false);
    await clock.advance(1);
    expect(done).toBe(true);
  });

  it("rejects reserved addresses and double attachment", () => {
    const bus = new SimI2cBus(new FakeClock());
    expect(() => bus.attach(0x78, new EchoChip())).toThrow(RangeError);
    bus.attach(0x34, new EchoChip());
    expect(() => bus.attach(0x34, new EchoChip())).toThrow(/already taken/);
  });
});
