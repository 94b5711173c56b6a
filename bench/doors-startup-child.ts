// Started by bench/multi-door.ts: brings a controller of N doors up on an existing data dir,
// reports how long it took to be ready and locked and the resident memory, then runs a number
// of PIN attempts spread over the doors and reports the resident memory again.
import { performance } from "node:perf_hooks";
import type { KeypadKey } from "../devices/types.js";
import { parseSettings } from "../src/config/load-settings.js";
import { benchDoorsConfig } from "./doors-config.js";
import { printFigures, startSimController } from "./sim-controller.js";

const [dataDir, doorsArg, attemptsArg] = process.argv.slice(2);
const doors = Number(doorsArg ?? 1);
const attempts = Number(attemptsArg ?? 0);
const t0 = performance.now();
const settings = parseSettings({
  data_dir: dataDir,
  log_level: "silent",
  // Generous lockout: the attempts are a mix of good and wrong PINs.
  lockout: { max_failures: 100, base_s: 1, max_s: 1 },
  ...(doors > 1 ? { doors: benchDoorsConfig(doors) } : {}),
});
const { app } = await startSimController(settings);
const readyMs = performance.now() - t0;
const rssMb = process.memoryUsage().rss / 1024 / 1024;
const { units } = app.services;
for (let i = 0; i < attempts; i++) {
  const unit = units[i % units.length];
  if (!unit) break;
  const reader = unit.settings.readers.find((r) => r.kind === "keypad")?.id ?? "keypad";
  // One in ten wrong: the denial path runs too.
  const pin = i % 10 === 9 ? "99999999" : String(10_000_000 + (i % 1000));
  for (const key of `${pin}#`)
    app.bus.emit("keyPressed", { key: key as KeypadKey, atMs: Date.now(), door: unit.id, reader });
  await unit.access.idle();
  if (i % 10 !== 9) await unit.door.lock();
}
const rssAfterAttemptsMb = process.memoryUsage().rss / 1024 / 1024;
await app.stop();
printFigures({ readyMs, rssMb, rssAfterAttemptsMb });
process.exit(0);
