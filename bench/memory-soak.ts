/**
 * Resident memory of the production build under load (issue 15 item 3): the controller with the
 * admin page and MQTT on, on a seeded site, taking `--rate` attempts a second (PINs of random
 * people, one in ten unknown) for `--minutes`; prints RSS after start and every minute.
 * Run from the build: `npm run build && node dist/bench/memory-soak.js --minutes 10`.
 */
import { rmSync } from "node:fs";
import { parseArgs } from "node:util";
import { systemClock } from "../devices/system-clock.js";
import { createSimulator } from "../simulator/simulator.js";
import { createApp } from "../src/app.js";
import { parseSettings } from "../src/config/load-settings.js";
import { createLogger } from "../src/logger.js";
import { simWiringFromSettings } from "../src/sim-wiring.js";
import { startBroker } from "./local-broker.js";
import { seededSite } from "./seed-cache.js";

const { values } = parseArgs({
  options: {
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "50" },
    people: { type: "string", default: "100000" },
    rows: { type: "string", default: "1000000" },
    // For finding where memory goes: the same load with one of them off.
    "no-web": { type: "boolean", default: false },
    "no-mqtt": { type: "boolean", default: false },
    /** SQLite page cache of the service's connection (better-sqlite3's default is 16,000 kB). */
    "cache-kb": { type: "string" },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const people = Number(values.people);
const site = seededSite(people, Number(values.rows));
const broker = await startBroker();
const settings = parseSettings({
  data_dir: site.dataDir,
  log_level: "silent",
  web: { enabled: !values["no-web"], port: 0 },
  simulator_panel: { enabled: false },
  mqtt: { enabled: !values["no-mqtt"], url: broker.url },
});
const sim = createSimulator({ clock: systemClock, wiring: simWiringFromSettings(settings) });
const app = createApp({
  settings,
  transports: sim.transports,
  clock: systemClock,
  logger: createLogger("silent"),
});
await app.start();
const { bus, services } = app;
const at = { door: settings.door_id, reader: "keypad" };
if (values["cache-kb"]) services.db.pragma(`cache_size = -${Number(values["cache-kb"])}`);

const mb = () => Math.round((process.memoryUsage().rss / 1024 / 1024) * 10) / 10;
const startedMs = Date.now();
const curve: Array<Record<string, number>> = [];
let attempts = 0;
const sample = () => {
  // Under --expose-gc: what is still reachable after a full collection (a leak grows it).
  (globalThis as { gc?: () => void }).gc?.();
  const minute = Math.round((Date.now() - startedMs) / 6000) / 10;
  const m = process.memoryUsage();
  const round = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
  curve.push({
    minute,
    rss_mb: mb(),
    heap_used_mb: round(m.heapUsed),
    heap_total_mb: round(m.heapTotal),
    external_mb: round(m.external),
    attempts,
  });
  console.log(JSON.stringify(curve.at(-1)));
};
sample();

async function attempt(): Promise<void> {
  const unknown = attempts % 10 === 9;
  const pin = unknown ? "99999999" : String(10_000_000 + Math.floor(Math.random() * people));
  for (const key of `${pin}#`) bus.emit("keyPressed", { key: key as "1", atMs: Date.now(), ...at });
  await services.access.idle();
  if (!unknown) await services.door.lock();
  attempts++;
}

const endMs = startedMs + minutes * 60_000;
let nextSampleMs = startedMs + 60_000;
const intervalMs = 1000 / rate;
let dueMs = Date.now();
while (Date.now() < endMs) {
  await attempt();
  dueMs += intervalMs;
  const wait = dueMs - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (Date.now() >= nextSampleMs) {
    sample();
    nextSampleMs += 60_000;
  }
}
sample();
await app.stop();
await broker.stop();
rmSync(site.dataDir, { recursive: true, force: true });
console.table(curve);
process.exit(0);
