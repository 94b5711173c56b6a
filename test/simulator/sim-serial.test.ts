import { describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { createSimSerialPair, SimSerialOpener } from "../../simulator/sim-serial.js";
import { seededRandom } from "../helpers/seeded-random.js";

function received(end: { onData(cb: (c: Buffer) => void): () => void }) {
  const chunks: Buffer[] = [];
  end.onData((c) => chunks.push(c));
  return () => Buffer.concat(chunks);
}

describe("SimSerialLine", () => {
  it("carries bytes both ways, in order, never inside write()", async () => {
    const line = createSimSerialPair(new FakeClock());
    const atDevice = received(line.device);
    const atHost = received(line.host);
    const writing = line.host.write(Buffer.of(1, 2));
    expect(atDevice().length).toBe(0);
    await writing;
    await line.host.write(Buffer.of(3));
    await line.device.write(Buffer.of(9));
    await Promise.resolve();
    expect([...atDevice()]).toEqual([1, 2, 3]);
    expect([...atHost()]).toEqual([9]);
  });

  it("rejects overlapping writes and writes after close", async () => {
    const line = createSimSerialPair(new FakeClock());
    const first = line.host.write(Buffer.of(1));
    await expect(line.host.write(Buffer.of(2))).rejects.toThrow(/overlapping/);
    await first;
    await line.host.close();
    await expect(line.host.write(Buffer.of(3))).rejects.toThrow(/after close/);
  });

  it("fires onClose with an Error on unplug and without one on close()", async () => {
    const line = createSimSerialPair(new FakeClock());
    const hostClosed: (Error | undefined)[] = [];
    line.host.onClose((err) => hostClosed.push(err));
    line.unplug();
    expect(hostClosed).toHaveLength(1);
    expect(hostClosed[0]).toBeInstanceOf(Error);
    const other = createSimSerialPair(new FakeClock());
    const closed: (Error | undefined)[] = [];
    other.host.onClose((err) => closed.push(err));
    await other.host.close();
    expect(closed).toEqual([undefined]);
  });

  it("applies latency on the injected clock, silence, drops and noise", async () => {
    const clock = new FakeClock();
    const line = createSimSerialPair(clock, { random: seededRandom(1) });
    const atDevice = received(line.device);
    line.toDevice.latencyMs = 50;
    await line.host.write(Buffer.of(1));
    await clock.advance(49);
    expect(atDevice().length).toBe(0);
    await clock.advance(1);
    expect([...atDevice()]).toEqual([1]);
    line.toDevice.latencyMs = 0;
    line.toDevice.silent = true;
    await line.host.write(Buffer.of(2));
    await clock.advance(1);
    expect(atDevice().length).toBe(1);
    line.toDevice.silent = false;
    line.toDevice.dropProbability = 1;
    await line.host.write(Buffer.of(3, 4, 5));
    await clock.advance(1);
    expect(atDevice().length).toBe(1);
    line.toDevice.dropProbability = 0;
    line.toDevice.noiseProbability = 1;
    await line.host.write(Buffer.of(6));
    await clock.advance(1);
    expect(atDevice().length).toBeGreaterThan(2);
    expect(atDevice().at(-1)).toBe(6);
  });
});

describe("SimSerialOpener", () => {
  it("opens paths to virtual devices, refuses unknown, busy and unplugged paths, and replugs", async () => {
    const clock = new FakeClock();
    const opener = new SimSerialOpener(clock);
    const attached: unknown[] = [];
    opener.addDevice("/dev/ttyAMA0", { attach: (link) => attached.push(link) });
    await expect(opener.open("/dev/nope", 57600)).rejects.toThrow(/no such port/);
    const link = await opener.open("/dev/ttyAMA0", 57600);
    expect(attached).toHaveLength(1);
    await expect(opener.open("/dev/ttyAMA0", 57600)).rejects.toThrow(/busy/);
    const closes: (Error | undefined)[] = [];
    link.onClose((err) => closes.push(err));
    opener.unplug("/dev/ttyAMA0");
    expect(closes[0]?.message).toMatch(/disconnected/);
    await expect(opener.open("/dev/ttyAMA0", 57600)).rejects.toThrow(/unplugged/);
    opener.replug("/dev/ttyAMA0");
    await opener.open("/dev/ttyAMA0", 57600);
    expect(attached).toHaveLength(2);
    expect(opener.attempts.map((a) => a.ok)).toEqual([false, true, false, false, true]);
  });
});
