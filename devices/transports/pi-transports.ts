import type { Transports } from "../types.js";

/**
 * Real hardware on a Raspberry Pi. Native modules are imported here, lazily, and nowhere else.
 * Placeholder until the onoff / i2c-bus / serialport backends land: refuses clearly.
 */
export async function createPiTransports(_opts: { i2cBus: number }): Promise<Transports> {
  throw new Error("hardware.backend 'pi' is not available in this build; run with --simulate");
}
