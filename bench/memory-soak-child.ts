/**
 * The process measured by the memory soak (bench/memory-soak.ts starts it from the build, with the
 * systemd unit's node flags and environment): the controller started as `doorward start` starts
 * it (startController + startWebServices: admin page on, MQTT on), on simulated hardware, taking
 * `--rate` PIN attempts a second for `--minutes`. It prints one JSON line per sample on stdout.
 *
 * Protocol with the parent: `{"admin_url": ...}` once ready; the parent logs in and opens the
 * live feed, then writes "go\n"; the child prints a sample at 0, then every minute, then `{"done":
 * true}`. With --snapshot-dir it writes a heap snapshot at each minute in --snapshot-at.
 */
import { createWriteStream, readFileSync } from "node:fs";
import { join } from "node:path";
import { constants, PerformanceObserver } from "node:perf_hooks";
import { pipeline } from "node:stream/promises";
import { parseArgs } from "node:util";
import { getHeapSnapshot } from "node:v8";
import { startWebServices } from "../src/admin/commands/start-web-services.js";
import { parseSettings } from "../src/config/load-settings.js";
import { startController } from "../src/main.js";

const { values } = parseArgs({
  options: {
    "data-dir": { type: "string" },
    broker: { type: "string" },
    minutes: { type: "string", default: "10" },
    rate: { type: "string", default: "50" },
    people: { type: "string", default: "100000" },
    "snapshot-dir": { type: "string" },
    "snapshot-at": { type: "string", default: "1,5" },
  },
});
const minutes = Number(values.minutes);
const rate = Number(values.rate);
const people = Number(values.people);
const snapshotAt = new Set((values["snapshot-at"] ?? "").split(",").map(Number));
const settings = parseSettings({
  data_dir: values["data-dir"],
  log_level: "silent",
  web: { enabled: true, port: 0 },
  simulator_panel: { enabled: false },
  mqtt: { enabled: true, url: values.broker },
});
if (process.env.SOAK_TRACE_FEED) {
  // Why a live feed ends (a backlog cut, a socket error): printed on stderr with its backlog.
  const { ServerResponse } = await import("node:http");
  const destroy = ServerResponse.prototype.destroy;
  ServerResponse.prototype.destroy = function (this: InstanceType<typeof ServerResponse>, err?: Error) {
    process.stderr.write(`response destroyed, backlog ${this.writableLength} B: ${new Error().stack}\n`);
    return destroy.call(this, err);
  };
}
const running = await startController(settings, { simulate: true });
let adminUrl = "";
const web = await startWebServices(running, (line) => {
  adminUrl ||= /admin page: (https:\/\/\S+)/.exec(line)?.[1] ?? "";
});
const { app } = running;
const { bus, services } = app;
print({ admin_url: adminUrl });
await new Promise<void>((resolve) => {
  process.stdin.on("data", (d) => {
    if (String(d).includes("go")) resolve();
  });
});

const mb = (bytes: number) => Math.round((bytes / 1024 / 1024) * 10) / 10;
/** RssAnon / RssFile / VmHWM from /proc: heap and malloc vs mapped code (node's binary, ICU data). */
function procStatus(): Record<string, number> {
  const out: Record<string, number> = {};
  for (const line of readFileSync("/proc/self/status", "utf8").split("\n")) {
    const m = /^(VmRSS|VmHWM|RssAnon|RssFile):\s+(\d+) kB/.exec(line);
    if (m) out[m[1] as string] = Math.round((Number(m[2]) / 1024) * 10) / 10;
  }
  return out;
}

// Full (mark-compact) and young-generation collections since the last sample: the CPU side of
// holding the heap small.
const gcs = { major: 0, minor: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    const kind = (e as unknown as { detail?: { kind?: number } }).detail?.kind;
    if (kind === constants.NODE_PERFORMANCE_GC_MAJOR) gcs.major++;
    else if (kind === constants.NODE_PERFORMANCE_GC_MINOR) gcs.minor++;
  }
}).observe({ entryTypes: ["gc"] });

const startedMs = Date.now();
let attempts = 0;
let lastAttempts = 0;
let lastCpu = process.cpuUsage();
let lastKeyMs = 0;
const keyToIdle: number[] = [];
async function sample(minute: number): Promise<void> {
  const m = process.memoryUsage();
  const proc = procStatus();
  const ms = [...keyToIdle].sort((a, b) => a - b);
  keyToIdle.length = 0;
  const collections = { ...gcs };
  const cpu = process.cpuUsage(lastCpu);
  lastCpu = process.cpuUsage();
  const done = attempts - lastAttempts;
  lastAttempts = attempts;
  gcs.major = gcs.minor = 0;
  print({
    minute,
    rss_mb: proc.VmRSS ?? mb(m.rss),
    peak_rss_mb: proc.VmHWM ?? 0,
    rss_anon_mb: proc.RssAnon ?? 0,
    rss_file_mb: proc.RssFile ?? 0,
    heap_used_mb: mb(m.heapUsed),
    heap_total_mb: mb(m.heapTotal),
    external_mb: mb(m.external),
    array_buffers_mb: mb(m.arrayBuffers),
    attempts,
    socket_backlog_kb: socketBacklogKb(),
    // CPU (user + system) per attempt since the last sample: what interpreter-only or a busier GC cost.
    cpu_ms_per_attempt: done > 0 ? Math.round(((cpu.user + cpu.system) / 1000 / done) * 1000) / 1000 : 0,
    major_gcs: collections.major,
    minor_gcs: collections.minor,
    // The last key to the decision committed, for the latency cost of memory flags (not the relay).
    commit_p50_ms: Math.round((ms[Math.floor(ms.length / 2)] ?? 0) * 1000) / 1000,
  });
  if (values["snapshot-dir"] && snapshotAt.has(minute)) {
    // getHeapSnapshot collects garbage first: what is left is reachable.
    const file = join(values["snapshot-dir"], `soak-${minute}min.heapsnapshot`);
    await pipeline(getHeapSnapshot(), createWriteStream(file));
  }
}

/** Bytes written but not yet taken by the peer, over every open socket (the live feed, MQTT). */
function socketBacklogKb(): number {
  const handles = (process as unknown as { _getActiveHandles(): unknown[] })._getActiveHandles();
  let bytes = 0;
  for (const h of handles) bytes += (h as { writableLength?: number }).writableLength ?? 0;
  return Math.round(bytes / 1024);
}

const at = { door: settings.door_id, reader: "keypad" };
async function attempt(): Promise<void> {
  const unknown = attempts % 10 === 9;
  const pin = unknown ? "99999999" : String(10_000_000 + Math.floor(Math.random() * people));
  for (const key of `${pin}#`) bus.emit("keyPressed", { key: key as "1", atMs: Date.now(), ...at });
  lastKeyMs = performance.now();
  await services.access.idle();
  keyToIdle.push(performance.now() - lastKeyMs);
  if (!unknown) await services.door.lock();
  attempts++;
}

await sample(0);
const endMs = startedMs + minutes * 60_000;
let nextMinute = 1;
const intervalMs = 1000 / rate;
let dueMs = Date.now();
while (Date.now() < endMs) {
  await attempt();
  dueMs += intervalMs;
  const wait = dueMs - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  if (Date.now() >= startedMs + nextMinute * 60_000) await sample(nextMinute++);
}
if (nextMinute <= minutes) await sample(minutes);
await web.stop();
await app.stop();
print({ done: true });
process.exit(0);

function print(line: object): void {
  process.stdout.write(`${JSON.stringify(line)}\n`);
}
