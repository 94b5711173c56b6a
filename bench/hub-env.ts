import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { connect as netConnect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import type { HubStore } from "../src/hub/store/hub-store.js";
import { migrate } from "../src/hub/store/migrations.js";
import { openPgStore } from "../src/hub/store/pg-store.js";
import { freePort } from "../test/helpers/free-port.js";

/** Mosquitto 2 for the bench: large queues, no inflight cap towards the hub's MQTT 5 session. */
export async function benchMosquitto(): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "hub-bench-mqtt-"));
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 2000000\nmax_inflight_messages 0\n`,
  );
  const child: ChildProcess = spawn("mosquitto", ["-c", conf], { stdio: "ignore" });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) =>
      netConnect(port, "127.0.0.1")
        .on("connect", function (this: Socket) {
          this.destroy();
          resolve(true);
        })
        .on("error", () => resolve(false)),
    );
    if (up) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    pid: child.pid ?? 0,
    stop: async () => {
      child.kill();
      await new Promise((r) => child.once("exit", r));
    },
  };
}

/** A private PostgreSQL through .ci/postgres, or the one named by HUB_BENCH_DATABASE_URL. */
export function benchPostgres(): { url: string; stop(): void; pid: () => number } | null {
  if (process.env.HUB_BENCH_DATABASE_URL)
    return { url: process.env.HUB_BENCH_DATABASE_URL, stop: () => {}, pid: () => 0 };
  const dir = mkdtempSync(join(tmpdir(), "hub-bench-pg-"));
  try {
    const url = execFileSync("bash", [".ci/postgres", "start", dir], { encoding: "utf8" }).trim();
    return {
      url,
      stop: () => execFileSync("bash", [".ci/postgres", "stop", dir]),
      // The postmaster: its backends are its children (CPU per component in the bench).
      pid: () => Number(readFileSync(join(dir, "data", "postmaster.pid"), "utf8").split("\n")[0]),
    };
  } catch {
    return null;
  }
}

/** A hub store in a schema of its own, dropped and made anew, migrated: each bench starts empty. */
export async function freshBenchSchema(url: string, schema: string, max: number) {
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE; CREATE SCHEMA ${schema}`);
  await admin.end();
  const store = openPgStore(url, { schema, max });
  await migrate(store);
  return store;
}

/** The same run's floor: one row per fsync'd commit, no batching. */
export async function bareInsert(store: HubStore, rows = 300): Promise<number> {
  await store.query("CREATE TABLE IF NOT EXISTS bench_bare (id int, payload text)");
  const t0 = performance.now();
  for (let i = 0; i < rows; i++)
    await store.query("INSERT INTO bench_bare VALUES ($1, $2)", [i, "x".repeat(200)]);
  return Math.round(rows / ((performance.now() - t0) / 1000));
}
