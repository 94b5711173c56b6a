// Started by bench/access-path.ts: brings the controller up on an existing data dir and
// reports how long it took to be ready and locked, and the process's resident memory.
import { performance } from "node:perf_hooks";
import { parseSettings } from "../src/config/load-settings.js";
import { printFigures, startSimController } from "./sim-controller.js";

const t0 = performance.now();
const settings = parseSettings({ data_dir: process.argv[2], log_level: "silent" });
const { app } = await startSimController(settings);
const readyMs = performance.now() - t0;
const totalMs = performance.now(); // since the process started, module loading included
const rssMb = process.memoryUsage().rss / 1024 / 1024;
await app.stop();
printFigures({ readyMs, totalMs, rssMb });
process.exit(0);
