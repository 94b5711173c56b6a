import { describe, expect, it } from "vitest";
import { GpioLockRelay } from "../../../devices/lock/lock-relay.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { SimGpioChip } from "../../../simulator/sim-gpio.js";

async function relayOn(activeLow = false, maxOnMs = 10_000) {
  const clock = new FakeClock();
  const chip = new SimGpioChip(clock);
  const pin = chip.pin(17, activeLow ? 1 : 0);
  const relay = new GpioLockRelay(await chip.open(17, "out", { activeLow }), clock, maxOnMs);
  return { clock, pin, relay };
}

describe("GpioLockRelay", () => {
  it("a pulse energises the output and relocks by itself after the requested time", async () => {
    const { clock, pin, relay } = await relayOn();
    await relay.pulse(3000);
    expect(pin.level).toBe(1);
    await clock.advance(2999);
    expect(pin.level).toBe(1);
    await clock.advance(1);
    expect(pin.level).toBe(0);
    expect(relay.released).toBe(false);
  });

  it("never stays energised beyond its hard maximum, whatever is asked", async () => {
    const { clock, pin, relay } = await relayOn(false, 8000);
    await relay.pulse(3_600_000);
    await clock.advance(8000);
    expect(pin.level).toBe(0);
  });

  it("drives an active-low relay board low to release and high to lock", async () => {
    const { clock, pin, relay } = await relayOn(true);
    await relay.lock();
    expect(pin.level).toBe(1);
    await relay.pulse(1000);
    expect(pin.level).toBe(0);
    await clock.advance(1000);
    expect(pin.level).toBe(1);
  });

  it("a failing output rejects the pulse and leaves nothing armed", async () => {
    const { clock, pin, relay } = await relayOn();
    pin.failure = new Error("EIO");
    await expect(relay.pulse(1000)).rejects.toThrow("EIO");
    expect(relay.released).toBe(false);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("lock() cancels a pulse in progress", async () => {
    const { clock, pin, relay } = await relayOn();
    await relay.pulse(5000);
    await relay.lock();
    expect(pin.level).toBe(0);
    expect(clock.pendingTimers()).toBe(0);
  });
});
