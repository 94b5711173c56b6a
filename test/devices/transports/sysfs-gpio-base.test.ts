import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  findGpioBase,
  GpioBaseNotFoundError,
  requireGpioBase,
} from "../../../devices/transports/sysfs-gpio-base.js";
import { fakeSysfs, PI_SYSFS, removeFakeSysfs } from "./fake-sysfs.js";

afterAll(removeFakeSysfs);

describe("findGpioBase", () => {
  it("finds base 0 on an old kernel", async () => {
    const root = await fakeSysfs(PI_SYSFS.oldKernelPi4);
    expect(await findGpioBase(root)).toEqual({
      base: 0,
      label: "pinctrl-bcm2711",
      chip: "gpiochip0",
      ngpio: 58,
    });
  });

  it("finds base 512 on a Pi 4 with kernel 6.6+, ignoring the expander chip", async () => {
    const root = await fakeSysfs(PI_SYSFS.pi4Kernel66);
    expect(await findGpioBase(root)).toMatchObject({
      base: 512,
      label: "pinctrl-bcm2711",
      chip: "gpiochip512",
    });
  });

  it("finds base 512 on a Pi 3 (pinctrl-bcm2835) with kernel 6.6+", async () => {
    const root = await fakeSysfs(PI_SYSFS.pi3Kernel66);
    expect(await findGpioBase(root)).toMatchObject({ base: 512, label: "pinctrl-bcm2835" });
  });

  it("finds base 571 on a Pi 5 among the brcmstb chips that come first", async () => {
    const root = await fakeSysfs(PI_SYSFS.pi5);
    expect(await findGpioBase(root)).toEqual({
      base: 571,
      label: "pinctrl-rp1",
      chip: "gpiochip571",
      ngpio: 54,
    });
  });

  it("returns null when there is no GPIO class at all", async () => {
    expect(await findGpioBase("/nonexistent/sys/class/gpio")).toBeNull();
  });

  it("returns null when only foreign chips exist", async () => {
    const root = await fakeSysfs([{ base: 0, label: "gpio-mockup-A" }]);
    expect(await findGpioBase(root)).toBeNull();
  });

  it("skips a Pi chip whose base file is garbage instead of returning NaN", async () => {
    const root = await fakeSysfs([]);
    await mkdir(join(root, "gpiochip9"));
    await writeFile(join(root, "gpiochip9", "label"), "pinctrl-bcm2711\n");
    await writeFile(join(root, "gpiochip9", "base"), "banana\n");
    expect(await findGpioBase(root)).toBeNull();
  });
});

describe("requireGpioBase", () => {
  it("returns the base when present", async () => {
    const root = await fakeSysfs(PI_SYSFS.pi5);
    expect((await requireGpioBase(root)).base).toBe(571);
  });

  it("throws a GpioBaseNotFoundError naming what it saw", async () => {
    const root = await fakeSysfs([{ base: 0, label: "gpio-mockup-A" }]);
    const err = await requireGpioBase(root).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GpioBaseNotFoundError);
    expect((err as Error).message).toContain("gpiochip0=gpio-mockup-A");
    expect((err as Error).message).toContain("pinctrl-rp1");
    expect((err as GpioBaseNotFoundError).labelsSeen).toEqual(["gpiochip0=gpio-mockup-A"]);
  });

  it("says 'no gpiochip at all' when sysfs GPIO is missing", async () => {
    await expect(requireGpioBase("/nonexistent")).rejects.toThrow(/no gpiochip at all/);
  });
});
