// `npm run bench -- hub`: the audit hub fed by a fleet simulator through Mosquitto, on PostgreSQL
// and on PGlite. Sizes scale with HUB_BENCH_SCALE (1 = about a minute in all on 2 cores).
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { hubSchema } from "../src/config/hub-schema.js";
import { verifyChains } from "../src/hub/hub-queries.js";
import { HubService } from "../src/hub/hub-service.js";
import type { HubStore } from "../src/hub/store/hub-store.js";
import { migrate } from "../src/hub/store/migrations.js";
import { openPgStore } from "../src/hub/store/pg-store.js";
import { openPgliteStore } from "../src/hub/store/pglite-store.js";
import { createLogger } from "../src/logger.js";
import { benchMosquitto, benchPostgres } from "./hub-env.js";
import { round } from "./stats.js";

const SCALE = Number(process.env.HUB_BENCH_SCALE ?? 1);
const FLEET_PROCESSES = 2;

function fleet(url: string, prefix: string, doors: number, perDoor: number, rate: number): Promise<void> {
  const per = Math.ceil(doors / FLEET_PROCESSES);
  return Promise.all(
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
          "4",
        ],
        { stdio: ["ignore", "pipe", "inherit"] },
      );
      return new Promise<void>((resolve, reject) =>
        child.once("exit", (code) => (code === 0 ? resolve() : reject(new Error(`fleet exited ${code}`)))),
      );
    }),
  ).then(() => {});
}

async function waitForCount(store: HubStore, prefixDoors: string, n: number): Promise<void> {
  for (;;) {
    const [r] = await store.query<{ n: number }>(
      "SELECT count(*)::bigint AS n FROM hub_events WHERE door LIKE $1",
      [prefixDoors],
    );
    if ((r?.n ?? 0) >= n) return;
    await new Promise((res) => setTimeout(res, 200));
  }
}

/** The same run's floor: one row per fsync'd commit, no batching. */
async function bareInsert(store: HubStore, rows = 300): Promise<number> {
  await store.query("CREATE TABLE IF NOT EXISTS bench_bare (id int, payload text)");
  const t0 = performance.now();
  for (let i = 0; i < rows; i++)
    await store.query("INSERT INTO bench_bare VALUES ($1, $2)", [i, "x".repeat(200)]);
  return round(rows / ((performance.now() - t0) / 1000), 0);
}

async function runOn(
  name: string,
  store: HubStore,
  brokerUrl: string,
): Promise<Record<string, number | string>> {
  const prefix = `bench-${name}`;
  const settings = hubSchema.parse({
    prefix,
    client_id: `hub-bench-${name}`,
    mqtt_url: brokerUrl,
    batch_max: 2000,
    batch_ms: 20,
  });
  const hub = new HubService({ settings, store, log: createLogger("error"), now: () => Date.now() });
  await hub.start();
  await new Promise((r) => setTimeout(r, 200));
  const out: Record<string, number | string> = {
    backend: name,
    bare_fsync_insert_rows_s: await bareInsert(store),
  };

  // Sustained: the whole fleet as fast as the broker acknowledges.
  const doors = 200 * SCALE;
  const perDoor = 100;
  const total = doors * perDoor;
  await fleet(brokerUrl, prefix, doors, perDoor, 0);
  await waitForCount(store, "door-%", total);
  const [span] = await store.query<{ s: number }>(
    "SELECT extract(epoch FROM max(received_at) - min(received_at))::float8 AS s FROM hub_events",
  );
  out.sustained_events = total;
  out.sustained_events_s = round(total / Math.max(span?.s ?? 1, 0.001), 0);

  // Lag at 2,000 events/s: a fresh fleet (new door names), paced.
  await store.query("TRUNCATE hub_events");
  await store.query("DELETE FROM hub_doors");
  const seconds = 10 * SCALE;
  const lagDoors = 100;
  await fleet(brokerUrl, prefix, lagDoors, (2000 * seconds) / lagDoors, 2000);
  await waitForCount(store, "door-%", 2000 * seconds);
  const [lag] = await store.query<{ p50: number; p99: number; max: number }>(
    `SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - ts))::float8 * 1000 AS p50,
            percentile_cont(0.99) WITHIN GROUP (ORDER BY extract(epoch FROM received_at - ts))::float8 * 1000 AS p99,
            max(extract(epoch FROM received_at - ts))::float8 * 1000 AS max FROM hub_events`,
  );
  out.lag_at_2000_s_events = 2000 * seconds;
  out.lag_p50_ms = round(lag?.p50 ?? 0, 1);
  out.lag_p99_ms = round(lag?.p99 ?? 0, 1);
  out.lag_max_ms = round(lag?.max ?? 0, 1);
  out.hub_rss_mb = round(process.memoryUsage().rss / 1e6, 0);

  const t0 = performance.now();
  const verdicts = await verifyChains(store);
  const checked = verdicts.reduce((a, v) => a + v.checked, 0);
  out.verify_rows = checked;
  out.verify_ok = verdicts.every((v) => v.ok) ? "yes" : "NO";
  out.verify_rows_s = round(checked / ((performance.now() - t0) / 1000), 0);
  await hub.stop();
  return out;
}

export async function benchHub(): Promise<Record<string, number | string>[]> {
  const broker = await benchMosquitto();
  const results: Record<string, number | string>[] = [];
  try {
    const server = benchPostgres();
    if (server) {
      const admin = new pg.Client({ connectionString: server.url });
      await admin.connect();
      await admin.query("DROP SCHEMA IF EXISTS hub_bench CASCADE; CREATE SCHEMA hub_bench");
      await admin.end();
      const store = openPgStore(server.url, { schema: "hub_bench", max: 4 });
      await migrate(store);
      try {
        results.push(await runOn("postgresql", store, broker.url));
      } finally {
        await store.close();
        server.stop();
      }
    } else
      results.push({
        backend: "postgresql",
        note: "no PostgreSQL (install postgresql or set HUB_BENCH_DATABASE_URL)",
      });
    const lite = await openPgliteStore(join(mkdtempSync(join(tmpdir(), "hub-bench-pglite-")), "pgdata"));
    await migrate(lite);
    try {
      results.push(await runOn("pglite", lite, broker.url));
    } finally {
      await lite.close();
    }
  } finally {
    await broker.stop();
  }
  return results;
}
