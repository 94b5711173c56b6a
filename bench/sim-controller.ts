import { systemClock } from "../devices/system-clock.js";
import { createSimulator } from "../simulator/simulator.js";
import { type App, createApp } from "../src/app.js";
import type { Settings } from "../src/config/schema.js";
import { createLogger } from "../src/logger.js";
import { simWiringFromSettings } from "../src/sim-wiring.js";

/** The whole controller on the simulator, on the system clock and a silent logger, started. */
export async function startSimController(settings: Settings): Promise<App> {
  const sim = createSimulator({ clock: systemClock, wiring: simWiringFromSettings(settings) });
  const app = createApp({
    settings,
    transports: sim.transports,
    clock: systemClock,
    logger: createLogger("silent"),
  });
  await app.start();
  return app;
}

/** The one line a startup child prints for its parent bench: figures rounded to 0.1. */
export function printFigures(figures: Record<string, number>): void {
  console.log(
    JSON.stringify(Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, Number(v.toFixed(1))]))),
  );
}
