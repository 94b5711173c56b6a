import { afterAll, describe, expect, it } from "vitest";
import {
  OnoffGpioChip,
  type OnoffGpioFactory,
  type OnoffGpioLike,
} from "../../../devices/transports/onoff-gpio.js";
import { GpioBaseNotFoundError } from "../../../devices/transports/sysfs-gpio-base.js";
import type { Level } from "../../../devices/types.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { fakeSysfs, PI_SYSFS, removeFakeSysfs } from "./fake-sysfs.js";

afterAll(removeFakeSysfs);

/** Stands in for onoff's Gpio: records how it was constructed and lets the test raise interrupts. */
class FakeOnoffGpio implements OnoffGpioLike {
  value: Level;
  writes: Level[] = [];
  watchers: Array<(err: Error | null | undefined, value: Level) => void> = [];
  unexported = false;
  failWrite: Error | null = null;
  constructor(
    readonly sysfs: number,
    readonly direction: string,
    readonly edge: string,
    readonly options: { activeLow: boolean; debounceTimeout: number },
  ) {
    // What the kernel does: "high"/"low" are raw levels; value reads back through active_low.
    const raw = direction === "high" ? 1 : 0;
    this.value = (options.activeLow ? 1 - raw : raw) as Level;
  }
  async read(): Promise<Level> {
    return this.value;
  }
  async write(value: Level): Promise<void> {
    if (this.failWrite) throw this.failWrite;
    this.writes.push(value);
    this.value = value;
  }
  watch(cb: (err: Error | null | undefined, value: Level) => void): void {
    this.watchers.push(cb);
  }
  unwatchAll(): void {
    this.watchers = [];
  }
  unexport(): void {
    this.unexported = true;
  }
  interrupt(value: Level, err: Error | null = null): void {
    this.value = value;
    for (const w of [...this.watchers]) w(err, value);
  }
}

function harness(base = 512, ngpio = 58) {
  const made: FakeOnoffGpio[] = [];
  const factory: OnoffGpioFactory = (n, direction, edge, options) => {
    if (n === base + 13) throw Object.assign(new Error("EBUSY, resource busy"), { code: "EBUSY" });
    const g = new FakeOnoffGpio(n, direction, edge, options);
    made.push(g);
    return g;
  };
  const clock = new FakeClock();
  const chip = new OnoffGpioChip(
    { base, label: "pinctrl-bcm2711", chip: `gpiochip${base}`, ngpio },
    factory,
    clock,
  );
  return { chip, made, clock };
}

describe("OnoffGpioChip", () => {
  it("adds the sysfs base found from the chip label (Pi 5: 571)", async () => {
    const made: number[] = [];
    const root = await fakeSysfs(PI_SYSFS.pi5);
    const chip = await OnoffGpioChip.create({
      sysfsRoot: root,
      factory: (n, d, e, o) => {
        made.push(n);
        return new FakeOnoffGpio(n, d, e, o);
      },
    });
    await chip.open(17, "in");
    expect(made).toEqual([588]);
    expect(chip.sysfsNumber(27)).toBe(598);
  });

  it("fails with GpioBaseNotFoundError off a Pi", async () => {
    const root = await fakeSysfs([]);
    await expect(
      OnoffGpioChip.create({
        sysfsRoot: root,
        factory: () => new FakeOnoffGpio(0, "in", "none", { activeLow: false, debounceTimeout: 0 }),
      }),
    ).rejects.toBeInstanceOf(GpioBaseNotFoundError);
  });

  it("opens inputs with edge both, activeLow and the debounce passed to onoff", async () => {
    const { chip, made } = harness();
    await chip.open(27, "in", { activeLow: true, debounceMs: 30 });
    expect(made[0]).toMatchObject({
      sysfs: 539,
      direction: "in",
      edge: "both",
      options: { activeLow: true, debounceTimeout: 30 },
    });
  });

  it("opens an active-low output already high (inactive) and commands 0 explicitly", async () => {
    const { chip, made } = harness();
    const relay = await chip.open(17, "out", { activeLow: true });
    expect(made[0]).toMatchObject({
      sysfs: 529,
      direction: "high",
      edge: "none",
      options: { activeLow: true, debounceTimeout: 0 },
    });
    expect(made[0]?.writes).toEqual([0]);
    expect(await relay.read()).toBe(0);
  });

  it("opens an active-high output low", async () => {
    const { chip, made } = harness();
    await chip.open(17, "out");
    expect(made[0]?.direction).toBe("low");
  });

  it("writes outputs and rejects writes to inputs", async () => {
    const { chip, made } = harness();
    const out = await chip.open(17, "out");
    const input = await chip.open(27, "in");
    await out.write(1);
    expect(made[0]?.writes).toEqual([0, 1]);
    await expect(input.write(1)).rejects.toThrow(/input/);
  });

  it("reports only real level changes, stamped by the clock, and stops after unsubscribe", async () => {
    const { chip, made, clock } = harness();
    const input = await chip.open(27, "in");
    const edges: Array<[Level, number]> = [];
    const off = input.watch((level, at) => edges.push([level, at]));
    await clock.advance(0); // the seeding read settles (level 0)
    const g = made[0] as FakeOnoffGpio;
    g.interrupt(0); // a bounce that settled where it was: not an edge
    g.interrupt(1);
    await clock.advance(5);
    g.interrupt(1);
    g.interrupt(0, new Error("epoll")); // errors carry no level
    g.interrupt(0);
    expect(edges).toEqual([
      [1, clock.now() - 5],
      [0, clock.now()],
    ]);
    off();
    expect(g.watchers).toEqual([]);
    g.interrupt(1);
    expect(edges).toHaveLength(2);
  });

  it("rejects absent, busy and kernel-refused lines with the BCM and sysfs numbers", async () => {
    const { chip } = harness();
    await expect(chip.open(58, "in")).rejects.toThrow(/does not exist/);
    await expect(chip.open(-1, "in")).rejects.toThrow(/does not exist/);
    await chip.open(4, "in");
    await expect(chip.open(4, "out")).rejects.toThrow(/busy/);
    await expect(chip.open(13, "in")).rejects.toThrow(/GPIO 13 \(sysfs 525\).*EBUSY/);
  });

  it("closes by unexporting, frees the offset and rejects later use", async () => {
    const { chip, made } = harness();
    const line = await chip.open(22, "in");
    line.watch(() => {});
    await line.close();
    await line.close(); // idempotent
    expect(made[0]?.unexported).toBe(true);
    expect(made[0]?.watchers).toEqual([]);
    await expect(line.read()).rejects.toThrow(/closed/);
    await chip.open(22, "in"); // free again
  });

  it("unexports an output whose first write fails and reports why", async () => {
    const made: FakeOnoffGpio[] = [];
    const chip = new OnoffGpioChip(
      { base: 0, label: "pinctrl-bcm2835", chip: "gpiochip0", ngpio: 54 },
      (n, d, e, o) => {
        const g = new FakeOnoffGpio(n, d, e, o);
        g.failWrite = new Error("EIO");
        made.push(g);
        return g;
      },
    );
    await expect(chip.open(17, "out")).rejects.toThrow(/could not be set inactive: EIO/);
    expect(made[0]?.unexported).toBe(true);
  });

  it("loads the real onoff lazily and turns a kernel refusal into a rejection", async () => {
    // A base no kernel has: whatever this machine's sysfs holds, the export must fail, not crash.
    const chip = await OnoffGpioChip.create({
      base: { base: 100_000, label: "pinctrl-bcm2711", chip: "gpiochip100000", ngpio: 58 },
    });
    await expect(chip.open(17, "out")).rejects.toThrow(/GPIO 17 \(sysfs 100017\) could not be opened/);
  });
});
