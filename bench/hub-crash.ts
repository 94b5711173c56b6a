// Across a hub `kill -9` and a PostgreSQL restart mid-run: events lost and duplicate rows (both must be 0).
// The hub runs as the real `doorward hub` process; the fleet publishes through Mosquitto meanwhile.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, openSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pg from "pg";
import { benchMosquitto } from "./hub-env.js";

function startHubProcess(config: string): ChildProcess {
  const log = openSync(`${config}.log`, "a");
  return spawn(process.execPath, ["bin/doorward.js", "hub", "--config", config], {
    stdio: ["ignore", "ignore", log],
    env: { ...process.env, DOORWARD_LOG_LEVEL: "warn" },
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function benchHubCrash(): Promise<Record<string, number | string>> {
  const pgDir = mkdtempSync(join(tmpdir(), "hub-crash-pg-"));
  let url: string;
  try {
    url = execFileSync("bash", [".ci/postgres", "start", pgDir], { encoding: "utf8" }).trim();
  } catch {
    return { note: "no PostgreSQL: skipped" };
  }
  const broker = await benchMosquitto();
  const dir = mkdtempSync(join(tmpdir(), "hub-crash-"));
  const config = join(dir, "hub.yaml");
  writeFileSync(
    config,
    `hub:\n  database_url: "${url}"\n  mqtt_url: ${broker.url}\n  prefix: crash\n  client_id: hub-crash\n`,
  );
  const db = new pg.Client({ connectionString: url });
  let hub = startHubProcess(config);
  try {
    await sleep(4000); // the hub connects, migrates, subscribes
    const doors = 50;
    const perDoor = 200;
    const total = doors * perDoor;
    // ~1,000 events/s for ~10 s, so the crashes land in the middle of the stream.
    const fleet = spawn(
      process.execPath,
      [
        "--import",
        "tsx",
        "bench/hub-fleet-child.ts",
        broker.url,
        "crash",
        "0",
        String(doors),
        String(perDoor),
        "1000",
        "4",
      ],
      { stdio: "ignore" },
    );
    const fleetDone = new Promise((r) => fleet.once("exit", r));
    await sleep(3000);
    hub.kill("SIGKILL");
    await sleep(1000);
    hub = startHubProcess(config);
    await sleep(4000); // the new process resumes the session, then the database goes away under it
    execFileSync("bash", [
      "-c",
      `runuser -u nobody -- $(ls -d /usr/lib/postgresql/*/bin | tail -1)/pg_ctl -D ${pgDir}/data -m fast -w restart -o "-c listen_addresses=127.0.0.1 -p $(cat ${pgDir}/port) -k ${pgDir}" >/dev/null`,
    ]);
    await fleetDone;
    await db.connect();
    const deadline = Date.now() + 120_000;
    let row = { n: 0, distinct_keys: 0 };
    while (Date.now() < deadline) {
      const r = await db.query<{ n: number; distinct_keys: number }>(
        "SELECT count(*)::int AS n, count(DISTINCT (door, seq))::int AS distinct_keys FROM hub_events",
      );
      row = r.rows[0] ?? row;
      if (row.distinct_keys >= total) break;
      await sleep(500);
    }
    console.error(`hub log: ${config}.log`);
    return {
      published: total,
      stored_rows: row.n,
      events_lost: total - row.distinct_keys,
      duplicate_rows: row.n - row.distinct_keys,
    };
  } finally {
    hub.kill("SIGKILL");
    await db.end().catch(() => {});
    await broker.stop();
    execFileSync("bash", [".ci/postgres", "stop", pgDir]);
  }
}
