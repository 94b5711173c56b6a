// `npm run bench -- hub`: the audit hub fed by a fleet simulator (1,000 light doors multiplexed
// over a few processes and MQTT connections) through Mosquitto, on PostgreSQL and on PGlite.
// Sizes scale with HUB_BENCH_SCALE (1 = a minute or two in all on 2 cores).
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hubSchema } from "../src/config/hub-schema.js";
import { type BatchReport, HubService } from "../src/hub/hub-service.js";
import type { HubStore } from "../src/hub/store/hub-store.js";
import { migrate } from "../src/hub/store/migrations.js";
import { openPgliteStore } from "../src/hub/store/pglite-store.js";
import { createLogger } from "../src/logger.js";
import { bareInsert, benchMosquitto, benchPostgres, freshBenchSchema } from "./hub-env.js";
import { loadAverage, processCpuSeconds, treeCpuSeconds } from "./proc-cpu.js";
import { percentile, round } from "./stats.js";

const SCALE = Number(process.env.HUB_BENCH_SCALE ?? 1);
const FLEET_PROCESSES = 4;
const DOORS = 1000;
const BATCH_MAX = Number(process.env.HUB_BENCH_BATCH_MAX ?? 5000);

interface FleetRun {
  sent: number;
  ms: number;
  cpu_s: number;
}

/** 1,000 doors over FLEET_PROCESSES processes, 2 MQTT connections each. */
async function fleet(url: string, prefix: string, perDoor: number, rate: number): Promise<FleetRun> {
  const per = DOORS / FLEET_PROCESSES;
  const runs = await Promise.all(
    Array.from({ length: FLEET_PROCESSES }, (_, i) => {
      const child = spawn(
        process.execPath,
        [
          "--import",
          "tsx",
          "bench/hub-fleet-child.ts",
          url,
          prefix,
          String(i * per),
          String(per),
          String(perDoor),
          String(rate / FLEET_PROCESSES),
          "2",
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      let out = "";
      child.stdout?.on("data", (b: Buffer) => {
        out += b.toString();
      });
      return new Promise<FleetRun>((resolve, reject) =>
        // "close", not "exit": the child's last line may still be in the pipe when it exits.
        child.once("close", (code) =>
          code === 0 ? resolve(JSON.parse(out) as FleetRun) : reject(new Error(`fleet exited ${code}`)),
        ),
      );
    }),
  );
  return {
    sent: runs.reduce((a, r) => a + r.sent, 0),
    ms: Math.max(...runs.map((r) => r.ms)),
    cpu_s: runs.reduce((a, r) => a + r.cpu_s, 0),
  };
}

/** Committed events and their publish → commit lag, from the hub's own batch reports. */
class Committed {
  count = 0;
  lags: number[] = [];
  lastAt = 0;
  firstAt = 0;
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  readonly listener = (r: BatchReport) => {
    const now = Date.now();
    if (this.count === 0 && r.stored > 0) this.firstAt = now;
    this.count += r.stored;
    this.lastAt = now;
    for (const ts of r.eventTsMs) this.lags.push(now - ts);
    for (const w of this.waiters) if (this.count >= w.n) w.resolve();
    this.waiters = this.waiters.filter((w) => this.count < w.n);
  };
  reset(): void {
    this.count = 0;
    this.lags = [];
  }
  until(n: number): Promise<void> {
    return this.count >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

/** CPU seconds of each part of the pipeline over one phase, per 1,000 events. */
function cpuMeter(brokerPid: number, pgPid: number) {
  const read = () => ({
    hub: process.cpuUsage(),
    broker: processCpuSeconds(brokerPid),
    db: pgPid ? treeCpuSeconds(pgPid) : 0,
  });
  const start = read();
  return (events: number, fleetCpu = 0): Record<string, number> => {
    const end = read();
    const hub = process.cpuUsage(start.hub);
    const per = (s: number) => round((s * 1e6) / events, 0);
    return {
      hub_cpu_us_per_event: per((hub.user + hub.system) / 1e6),
      broker_cpu_us_per_event: per(end.broker - start.broker),
      ...(pgPid ? { postgres_cpu_us_per_event: per(end.db - start.db) } : {}),
      ...(fleetCpu ? { fleet_cpu_us_per_event: per(fleetCpu) } : {}),
    };
  };
}

async function emptyTables(store: HubStore): Promise<void> {
  await store.query("TRUNCATE hub_events");
  await store.query("TRUNCATE hub_alerts");
  await store.query("DELETE FROM hub_doors");
}

async function runOn(
  name: string,
  store: HubStore,
  broker: { url: string; pid: number },
  pgPid: number,
  rssAfterOpenMb: number,
): Promise<Record<string, number | string>> {
  const settings = hubSchema.parse({
    prefix: `bench-${name}`,
    client_id: `hub-bench-${name}`,
    mqtt_url: broker.url,
    batch_max: BATCH_MAX,
    batch_ms: 20,
  });
  const log = createLogger("error");
  const committed = new Committed();
  const newHub = () => {
    const h = new HubService({ settings, store, log, now: () => Date.now() });
    h.onBatch(committed.listener);
    return h;
  };
  const memory = memoryPeaks(store);
  const out: Record<string, number | string> = {
    backend: name,
    load_average_at_start: loadAverage(),
    hub_rss_after_open_mb: rssAfterOpenMb,
  };
  out.bare_fsync_insert_rows_s = await bareInsert(store);
  const perDoor = 50 * SCALE;
  const total = DOORS * perDoor;

  // 1. Backlog: the hub's session queues at the broker while it is away (the fleet alone, into
  // Mosquitto), then the hub drains it (Mosquitto → hub → database, no fleet competing for CPU).
  let hub = newHub();
  await hub.start();
  await hub.stop();
  let cpu = cpuMeter(broker.pid, 0);
  const fill = await fleet(broker.url, settings.prefix, perDoor, 0);
  out.fleet_into_broker_events_s = round(total / (fill.ms / 1000), 0);
  Object.assign(out, prefixKeys("fill.", cpu(total, fill.cpu_s)));
  committed.reset();
  hub = newHub();
  cpu = cpuMeter(broker.pid, pgPid);
  const t0 = Date.now();
  await hub.start();
  await committed.until(total);
  out.drain_events_s = round(total / ((committed.lastAt - t0) / 1000), 0);
  out.drain_from_first_commit_events_s = round(total / ((committed.lastAt - committed.firstAt) / 1000), 0);
  Object.assign(out, prefixKeys("drain.", cpu(total)));

  // 2. Sustained, live: the fleet as fast as the broker acknowledges, the hub storing meanwhile.
  await emptyTables(store);
  committed.reset();
  cpu = cpuMeter(broker.pid, pgPid);
  const t1 = Date.now();
  const live = await fleet(broker.url, settings.prefix, perDoor, 0);
  await committed.until(total);
  out.live_events = total;
  // From the first commit to the last (the fleet's processes take seconds to start).
  out.live_sustained_events_s = round(total / ((committed.lastAt - committed.firstAt) / 1000), 0);
  out.live_wall_s = round((committed.lastAt - t1) / 1000, 1);
  out.live_fleet_events_s = round(total / (live.ms / 1000), 0);
  Object.assign(out, prefixKeys("live.", cpu(total, live.cpu_s)));
  out.load_average_after_live = loadAverage();

  // 3. Lag at 2,000 events/s: 1,000 doors at 2 events/s each, publish → committed row.
  await emptyTables(store);
  committed.reset();
  const seconds = 10 * SCALE;
  await fleet(broker.url, settings.prefix, 2 * seconds, 2000);
  await committed.until(2000 * seconds);
  const lags = committed.lags.sort((a, b) => a - b);
  out.lag_at_2000_s_events = lags.length;
  out.lag_p50_ms = round(percentile(lags, 50), 0);
  out.lag_p99_ms = round(percentile(lags, 99), 0);
  out.lag_max_ms = lags.at(-1) ?? 0;
  await hub.stop();
  Object.assign(out, memory.stop());
  out.load_average_at_end = loadAverage();
  return out;
}

/**
 * The hub process's memory over a run, sampled every 250 ms: where a peak comes from (V8's
 * heap, Buffers, or PGlite's WebAssembly heap, which grows and never shrinks).
 */
function memoryPeaks(store: HubStore): { stop(): Record<string, number> } {
  const peak = { rss: 0, heapUsed: 0, external: 0, arrayBuffers: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    for (const k of Object.keys(peak) as Array<keyof typeof peak>) peak[k] = Math.max(peak[k], m[k]);
  };
  const timer = setInterval(sample, 250);
  return {
    stop() {
      sample();
      clearInterval(timer);
      const mb = (b: number) => round(b / 1e6, 0);
      const wasm = store.wasmMemoryBytes?.();
      return {
        hub_rss_peak_mb: mb(peak.rss),
        hub_heap_used_peak_mb: mb(peak.heapUsed),
        hub_external_peak_mb: mb(peak.external),
        hub_array_buffers_peak_mb: mb(peak.arrayBuffers),
        ...(wasm === undefined ? {} : { hub_wasm_memory_mb: mb(wasm) }),
      };
    },
  };
}

function prefixKeys(prefix: string, o: Record<string, number>): Record<string, number> {
  return Object.fromEntries(Object.entries(o).map(([k, v]) => [`${prefix}${k}`, v]));
}

const rssMb = () => round(process.memoryUsage().rss / 1e6, 0);

export async function benchHub(): Promise<Record<string, number | string>[]> {
  const broker = await benchMosquitto();
  const results: Record<string, number | string>[] = [];
  try {
    const server = benchPostgres();
    if (server) {
      const store = await freshBenchSchema(server.url, "hub_bench", 4);
      try {
        results.push(await runOn("postgresql", store, broker, server.pid(), rssMb()));
      } finally {
        await store.close();
        server.stop();
      }
    } else
      results.push({
        backend: "postgresql",
        note: "no PostgreSQL (install postgresql or set HUB_BENCH_DATABASE_URL)",
      });
    if (process.env.HUB_BENCH_SKIP_PGLITE) return results;
    const lite = await openPgliteStore(join(mkdtempSync(join(tmpdir(), "hub-bench-pglite-")), "pgdata"));
    await migrate(lite);
    try {
      results.push(await runOn("pglite", lite, broker, 0, rssMb()));
    } finally {
      await lite.close();
    }
  } finally {
    await broker.stop();
  }
  return results;
}
