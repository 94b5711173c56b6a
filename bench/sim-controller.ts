import { systemClock } from "../devices/system-clock.js";
import { createSimulator, type Simulator } from "../simulator/simulator.js";
import { type App, createApp } from "../src/app.js";
import type { Settings } from "../src/config/schema.js";
import { createLogger } from "../src/logger.js";
import type { OsdpKeySource } from "../src/osdp/osdp-buses.js";
import { simWiringFromSettings } from "../src/sim-wiring.js";

/**
 * The whole controller on the simulator, on the system clock and a silent logger, started: what
 * every bench that times the real controller brings up. `beforeStart` sees the simulator before
 * the app opens its devices (to timestamp bytes on a port); `osdpKeys` gives virtual OSDP readers
 * the keys the controller stored.
 */
export async function startSimController(
  settings: Settings,
  opts: { osdpKeys?: OsdpKeySource; beforeStart?: (sim: Simulator) => void } = {},
): Promise<{ app: App; sim: Simulator }> {
  const sim = createSimulator({ clock: systemClock, wiring: simWiringFromSettings(settings, opts.osdpKeys) });
  opts.beforeStart?.(sim);
  const app = createApp({
    settings,
    transports: sim.transports,
    clock: systemClock,
    logger: createLogger("silent"),
  });
  await app.start();
  return { app, sim };
}

/** The one line a startup child prints for its parent bench: figures rounded to 0.1. */
export function printFigures(figures: Record<string, number>): void {
  console.log(
    JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Number(v.toFixed(1))]))),
  );
}
