import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";

/** Labels of the SoC GPIO controllers whose lines are the header's BCM numbers. */
export const RASPBERRY_PI_GPIO_LABELS = ["pinctrl-bcm2835", "pinctrl-bcm2711", "pinctrl-rp1"] as const;

export interface GpioBase {
  /** Sysfs number of BCM line 0: 0 on old kernels, 512 on a Pi 2/3/4 with 6.6+, 571 on a Pi 5. */
  base: number;
  /** The chip's label, e.g. "pinctrl-bcm2711". */
  label: string;
  /** The sysfs directory name, e.g. "gpiochip512". */
  chip: string;
  /** How many lines the chip has (BCM offsets valid are 0..ngpio-1). */
  ngpio: number;
}

/**
 * Thrown by requireGpioBase when no Raspberry Pi GPIO controller is visible. The message says what
 * was seen so a person reading the journal can tell "not a Pi" from "sysfs GPIO not enabled".
 */
export class GpioBaseNotFoundError extends Error {
  override readonly name = "GpioBaseNotFoundError";
  constructor(
    readonly sysfsRoot: string,
    readonly labelsSeen: string[],
  ) {
    super(
      `No Raspberry Pi GPIO controller under ${sysfsRoot} (looked for a gpiochip labelled ` +
        `${RASPBERRY_PI_GPIO_LABELS.join(", ")}; found ${
          labelsSeen.length ? labelsSeen.join(", ") : "no gpiochip at all"
        }). Is this a Raspberry Pi with sysfs GPIO (CONFIG_GPIO_SYSFS)? ` +
        "Use hardware.backend: simulated elsewhere.",
    );
  }
}

async function readTrimmed(path: string): Promise<string | null> {
  try {
    return (await readFile(path, "utf8")).trim();
  } catch {
    return null;
  }
}

interface ChipInfo {
  chip: string;
  label: string | null;
  base: number | null;
  ngpio: number | null;
}

async function listChips(sysfsRoot: string): Promise<ChipInfo[]> {
  let names: string[];
  try {
    names = await readdir(sysfsRoot);
  } catch {
    return []; // no sysfs GPIO at all (not Linux, or the class is absent)
  }
  const chips = names.filter((n) => /^gpiochip\d+$/.test(n)).sort();
  return Promise.all(
    chips.map(async (chip) => {
      const dir = join(sysfsRoot, chip);
      const base = Number.parseInt((await readTrimmed(join(dir, "base"))) ?? "", 10);
      const ngpio = Number.parseInt((await readTrimmed(join(dir, "ngpio"))) ?? "", 10);
      return {
        chip,
        label: await readTrimmed(join(dir, "label")),
        base: Number.isInteger(base) && base >= 0 ? base : null,
        ngpio: Number.isInteger(ngpio) && ngpio > 0 ? ngpio : null,
      };
    }),
  );
}

/**
 * Finds the sysfs number of BCM line 0. Kernels from 6.6 on no longer number the SoC's lines from 0,
 * so `new Gpio(17)` fails with EINVAL; the offset has to come from the chip's `base` file.
 * Returns null when no Raspberry Pi controller is present (or its base is unreadable).
 */
export async function findGpioBase(sysfsRoot = "/sys/class/gpio"): Promise<GpioBase | null> {
  const chips = await listChips(sysfsRoot);
  for (const label of RASPBERRY_PI_GPIO_LABELS) {
    const hit = chips.find((c) => c.label === label && c.base !== null);
    if (hit && hit.base !== null) {
      // A missing ngpio file is unusual; 54 covers every BCM283x/2711 line, the RP1 has 54 too.
      return { base: hit.base, label, chip: hit.chip, ngpio: hit.ngpio ?? 54 };
    }
  }
  return null;
}

/** Like findGpioBase but throws GpioBaseNotFoundError instead of returning null. */
export async function requireGpioBase(sysfsRoot = "/sys/class/gpio"): Promise<GpioBase> {
  const found = await findGpioBase(sysfsRoot);
  if (found) return found;
  const seen = (await listChips(sysfsRoot)).map((c) => `${c.chip}=${c.label ?? "?"}`);
  throw new GpioBaseNotFoundError(sysfsRoot, seen);
}
