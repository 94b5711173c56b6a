import type { DoctorProbes } from "../../src/doctor/checks.js";
import { realDoctorProbes } from "../../src/doctor/real-probes.js";

/**
 * Doctor on a machine with nothing else to check: every hardware and system probe passes, so the
 * rows read from the real data_dir (the OSDP readers' status, the service's instance lock) are
 * the only ones that can say anything.
 */
export const databaseOnlyProbes: DoctorProbes = {
  ...realDoctorProbes,
  exists: async () => true,
  readWritable: async () => true,
  gpioBase: async () => ({ base: 512, label: "pinctrl-bcm2711" }),
  user: async () => ({ name: "root", groups: [] }),
  i2cReadRegister: async () => 0,
  fingerprintVerifyPassword: async () => 0,
  fingerprintThroughService: async () => ({ answered: false }),
  clockSynchronized: async () => true,
};

/** A Pi where every device answers and every system check passes; nothing is read from disk. */
export function healthyPiProbes(over: Partial<DoctorProbes> = {}): DoctorProbes {
  return {
    exists: async () => true,
    readWritable: async () => true,
    gpioBase: async () => ({ base: 512, label: "pinctrl-bcm2711" }),
    user: async () => ({ name: "doorward", groups: ["doorward", "gpio", "i2c", "dialout"] }),
    i2cReadRegister: async () => 0,
    fingerprintVerifyPassword: async () => 0,
    fingerprintThroughService: async () => ({ answered: false }),
    writeProbeFile: async () => {},
    databaseIntegrity: async () => "ok",
    freeBytes: async () => 10 * 1024 ** 3,
    clockSynchronized: async () => true,
    ...over,
  };
}
