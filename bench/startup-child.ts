// Started by bench/access-path.ts: brings the controller up on an existing data dir and
// reports how long it took to be ready and locked, and the process's resident memory.
import { performance } from "node:perf_hooks";
import { systemClock } from "../devices/system-clock.js";
import { createSimulator } from "../simulator/simulator.js";
import { createApp } from "../src/app.js";
import { parseSettings } from "../src/config/load-settings.js";
import { createLogger } from "../src/logger.js";
import { simWiringFromSettings } from "../src/sim-wiring.js";

const t0 = performance.now();
const settings = parseSettings({ data_dir: process.argv[2], log_level: "silent" });
const sim = createSimulator({ clock: systemClock, wiring: simWiringFromSettings(settings) });
const app = createApp({
  settings,
  transports: sim.transports,
  clock: systemClock,
  logger: createLogger("silent"),
});
await app.start();
const readyMs = performance.now() - t0;
const totalMs = performance.now(); // since the process started, module loading included
const rssMb = process.memoryUsage().rss / 1024 / 1024;
await app.stop();
console.log(
  JSON.stringify({
    readyMs: Number(readyMs.toFixed(1)),
    totalMs: Number(totalMs.toFixed(1)),
    rssMb: Number(rssMb.toFixed(1)),
  }),
);
process.exit(0);
