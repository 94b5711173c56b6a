import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";

const created: string[] = [];

/** Removes every tree fakeSysfs built (call from afterAll). */
export async function removeFakeSysfs(): Promise<void> {
  await Promise.all(created.splice(0).map((root) => rm(root, { recursive: true, force: true })));
}

/** Builds a fake /sys/class/gpio with the given chips; returns its path. */
export async function fakeSysfs(
  chips: Array<{ base: number | string; label: string; ngpio?: number }>,
): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "doorward-sysfs-"));
  created.push(root);
  await writeFile(join(root, "export"), "");
  await writeFile(join(root, "unexport"), "");
  for (const chip of chips) {
    const dir = join(root, `gpiochip${chip.base}`);
    await mkdir(dir);
    await writeFile(join(dir, "base"), `${chip.base}\n`);
    await writeFile(join(dir, "label"), `${chip.label}\n`);
    await writeFile(join(dir, "ngpio"), `${chip.ngpio ?? 32}\n`);
  }
  return root;
}

/** Sysfs as seen on the three generations we support (labels and bases as the kernels report them). */
export const PI_SYSFS = {
  oldKernelPi4: [
    { base: 0, label: "pinctrl-bcm2711", ngpio: 58 },
    { base: 504, label: "raspberrypi-exp-gpio", ngpio: 8 },
  ],
  pi3Kernel66: [
    { base: 512, label: "pinctrl-bcm2835", ngpio: 54 },
    { base: 566, label: "raspberrypi-exp-gpio", ngpio: 8 },
  ],
  pi4Kernel66: [
    { base: 512, label: "pinctrl-bcm2711", ngpio: 58 },
    { base: 570, label: "raspberrypi-exp-gpio", ngpio: 8 },
  ],
  pi5: [
    { base: 512, label: "gpio-brcmstb@107d508500", ngpio: 32 },
    { base: 544, label: "gpio-brcmstb@107d508520", ngpio: 4 },
    { base: 548, label: "gpio-brcmstb@107d517c00", ngpio: 17 },
    { base: 565, label: "gpio-brcmstb@107d517c20", ngpio: 6 },
    { base: 571, label: "pinctrl-rp1", ngpio: 54 },
  ],
};
