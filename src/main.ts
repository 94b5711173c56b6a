import { systemClock } from "../devices/system-clock.js";
import { type BackendLoaders, createTransports } from "../devices/transports/create-transports.js";
import type { Clock } from "../devices/types.js";
import type { Simulator } from "../simulator/simulator.js";
import { type App, createApp } from "./app.js";
import { type BackendChoice, chooseBackends } from "./config/hardware-schema.js";
import type { Settings } from "./config/schema.js";
import { createLogger, type Logger } from "./logger.js";
import { OsdpKeyStore } from "./osdp/osdp-key-store.js";
import { simWiringFromSettings } from "./sim-wiring.js";

export interface RunningController {
  app: App;
  /** The virtual hardware, when at least one transport is simulated (a bench may mix). */
  sim: Simulator | null;
  /** Which backend drives each transport. */
  backends: BackendChoice;
  logger: Logger;
  clock: Clock;
}

export interface StartOptions {
  /** --simulate: every transport simulated, whatever the config says. */
  simulate: boolean;
  /** Tests replace the native backends. */
  loaders?: Partial<BackendLoaders>;
  clock?: Clock;
  logger?: Logger;
}

/**
 * The composition root: the only place that chooses between the simulator and real hardware,
 * per transport (hardware.gpio / i2c / serial, defaulting from hardware.backend). The simulator
 * and each native backend are loaded lazily, so a machine without them can run the rest.
 */
export async function startController(settings: Settings, opts: StartOptions): Promise<RunningController> {
  const logger = opts.logger ?? createLogger(settings.log_level);
  const clock = opts.clock ?? systemClock;
  const backends = chooseBackends(settings.hardware, opts.simulate);
  let sim: Simulator | null = null;
  // --simulate overrides the file's backend, so "auto" choices (fingerprint on, Wiegand reader) follow it.
  if (opts.simulate) settings = { ...settings, hardware: { ...settings.hardware, backend: "simulated" } };
  if (backends.gpio === "simulated" || backends.i2c === "simulated" || backends.serial === "simulated") {
    const { createSimulator } = await import("../simulator/simulator.js");
    const keys = new OsdpKeyStore(settings.data_dir);
    sim = createSimulator({ clock, wiring: simWiringFromSettings(settings, keys) });
  }
  const transports = await createTransports(
    { ...backends, i2cBusNumber: settings.keypad.i2c_bus },
    { ...(sim ? { simulated: () => (sim as Simulator).transports } : {}), loaders: opts.loaders ?? {} },
  );
  logger.info({ backends }, "transports chosen");
  const app = createApp({ settings, transports, clock, logger });
  try {
    await app.start();
  } catch (err) {
    // Whatever was opened is closed again, the relay line last and driven locked.
    await app.stop();
    throw err;
  }
  return { app, sim, backends, logger, clock };
}
