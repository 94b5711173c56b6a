import { systemClock } from "../devices/system-clock.js";
import type { Clock, Transports } from "../devices/types.js";
import type { Simulator } from "../simulator/simulator.js";
import { type App, createApp } from "./app.js";
import type { Settings } from "./config/schema.js";
import { createLogger, type Logger } from "./logger.js";
import { simWiringFromSettings } from "./sim-wiring.js";

export interface RunningController {
  app: App;
  sim: Simulator | null;
  logger: Logger;
  clock: Clock;
}

/**
 * The composition root: the only place that chooses between the simulator and real hardware.
 * Both are loaded lazily so a machine without native GPIO/I2C modules can run the simulator.
 */
export async function startController(
  settings: Settings,
  opts: { simulate: boolean },
): Promise<RunningController> {
  const logger = createLogger(settings.log_level);
  const clock = systemClock;
  let sim: Simulator | null = null;
  let transports: Transports;
  // --simulate overrides the file's backend, so "auto" choices (fingerprint on, Wiegand reader) follow it.
  if (opts.simulate) settings = { ...settings, hardware: { ...settings.hardware, backend: "simulated" } };
  if (settings.hardware.backend === "simulated") {
    const { createSimulator } = await import("../simulator/simulator.js");
    sim = createSimulator({ clock, wiring: simWiringFromSettings(settings) });
    transports = sim.transports;
  } else {
    const { createPiTransports } = await import("../devices/transports/pi-transports.js");
    transports = await createPiTransports({ i2cBus: settings.keypad.i2c_bus });
  }
  const app = createApp({ settings, transports, clock, logger });
  try {
    await app.start();
  } catch (err) {
    // Whatever was opened is closed again, the relay line last and driven locked.
    await app.stop();
    throw err;
  }
  return { app, sim, logger, clock };
}
