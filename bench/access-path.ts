/**
 * The credential-to-relay path on a site-sized database (by default 100,000 people and 1,000,000
 * audit rows; `--people N --rows N`, seeded once and cached, see seed-cache.ts):
 * time from the final '#' key event to the relay being commanded, next to a bare
 * better-sqlite3 INSERT under synchronous=FULL on the same file (the fsync floor we cannot beat).
 * Also start-up time to "ready and locked" and resident memory, measured in a fresh process.
 */
import { spawnSync } from "node:child_process";
import { existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { parseSettings } from "../src/config/load-settings.js";
import { benchOptions } from "./bench-options.js";
import { verifyFigures } from "./log-verify.js";
import { startRelayTimedApp } from "./relay-timed-app.js";
import { megabytes, seededSite } from "./seed-cache.js";
import { isMain, percentile, round } from "./stats.js";

export async function benchAccessPath(): Promise<Record<string, number | string>> {
  const { people: USERS, rows: AUDIT_ROWS, runs: RUNS, cacheDir } = benchOptions;
  const site = seededSite(USERS, AUDIT_ROWS, cacheDir);
  const { dataDir } = site;

  const startup = measureStartup(dataDir);

  const settings = parseSettings({ data_dir: dataDir, log_level: "silent" });
  const { app, relayAt, resetRelay } = await startRelayTimedApp(settings);
  const { bus, services } = app;
  // As the door unit stamps a keypad's events: this door, its keypad.
  const at = { door: app.settings.door_id, reader: "keypad" };

  services.db.exec("CREATE TABLE IF NOT EXISTS bench_bare (a INTEGER, b TEXT, c TEXT, d TEXT)");
  const bare = services.db.prepare("INSERT INTO bench_bare VALUES (?, ?, ?, ?)");
  // The same with one index, as audit_events has (ts_ms): what a second B-tree page per commit costs.
  services.db.exec(
    "CREATE TABLE IF NOT EXISTS bench_bare_indexed (a INTEGER, b TEXT, c TEXT, d TEXT); CREATE INDEX IF NOT EXISTS bench_bare_indexed_a ON bench_bare_indexed(a)",
  );
  const bareIndexed = services.db.prepare("INSERT INTO bench_bare_indexed VALUES (?, ?, ?, ?)");
  const bareMs: number[] = [];
  const bareIndexedMs: number[] = [];
  const pathMs: number[] = [];
  const deniedMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Interleaved with the path runs so both see the same disk and CPU conditions.
    const b0 = performance.now();
    bare.run(Date.now(), "access granted pin", "u-ABCDEF", "f".repeat(128));
    bareMs.push(performance.now() - b0);
    const i0 = performance.now();
    bareIndexed.run(Date.now(), "access granted pin", "u-ABCDEF", "f".repeat(128));
    bareIndexedMs.push(performance.now() - i0);

    // A random person among the 100,000, so the lookup is not served from a hot page.
    const pin = String(10_000_000 + Math.floor(Math.random() * USERS));
    for (const key of pin) bus.emit("keyPressed", { key: key as "1", atMs: Date.now(), ...at });
    await services.access.idle(); // the digits are in; time the final key alone
    resetRelay();
    const t0 = performance.now();
    bus.emit("keyPressed", { key: "#", atMs: Date.now(), ...at });
    await services.access.idle();
    if (relayAt() === 0) throw new Error(`PIN ${pin} did not reach the relay`);
    pathMs.push(relayAt() - t0);
    await services.door.lock();

    if (i % 10 === 0) {
      for (const key of "99999999") bus.emit("keyPressed", { key: key as "9", atMs: Date.now(), ...at });
      await services.access.idle();
      const d0 = performance.now();
      bus.emit("keyPressed", { key: "#", atMs: Date.now(), ...at });
      await services.access.idle();
      deniedMs.push(performance.now() - d0);
    }
  }
  // Clear the denial streak so the bench never trips the lockout halfway.
  services.db.prepare("DELETE FROM kv WHERE key GLOB 'door:*:lockout:pin'").run();

  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const p50 = percentile(pathMs, 50);
  const bareP50 = percentile(bareMs, 50);
  return {
    users: USERS,
    audit_rows: AUDIT_ROWS,
    runs: RUNS,
    db_mb: megabytes(site.dbBytes),
    seed_s: site.cached ? "cached" : round(site.seedS, 1),
    "key#_to_relay_p50_ms": round(p50),
    "key#_to_relay_p99_ms": round(percentile(pathMs, 99)),
    denied_path_p50_ms: round(percentile(deniedMs, 50)),
    bare_insert_full_p50_ms: round(bareP50),
    bare_insert_full_p99_ms: round(percentile(bareMs, 99)),
    bare_indexed_insert_p50_ms: round(percentile(bareIndexedMs, 50)),
    path_to_bare_p99_over_ms: round(percentile(pathMs, 99) - percentile(bareMs, 99)),
    path_over_bare_p50_ms: round(p50 - bareP50),
    path_to_bare_ratio_p50: round(p50 / bareP50, 2),
    ...startup,
    ...verifyFigures(site.cachedDb, AUDIT_ROWS),
  };
}

/**
 * Start-up in a fresh process, the way production runs it (the compiled build from
 * `npm run build`), and through the tsx loader as `npm start` does, for comparison.
 */
function measureStartup(dataDir: string): Record<string, number | string> {
  const run = (args: string[]) => {
    const child = spawnSync(process.execPath, args, { encoding: "utf8" });
    if (child.status !== 0) throw new Error(`startup child failed: ${child.stderr}`);
    return JSON.parse(child.stdout.trim().split("\n").pop() as string) as {
      readyMs: number;
      totalMs: number;
      rssMb: number;
    };
  };
  const viaTsx = run(["--import", "tsx", join(import.meta.dirname, "startup-child.ts"), dataDir]);
  const compiledChild = join(import.meta.dirname, "..", "dist", "bench", "startup-child.js");
  const compiled = existsSync(compiledChild) ? run([compiledChild, dataDir]) : null;
  return {
    startup_to_ready_ms: compiled?.readyMs ?? viaTsx.readyMs,
    startup_process_total_ms: compiled?.totalMs ?? "no build (npm run build)",
    rss_after_start_mb: compiled?.rssMb ?? "no build (npm run build)",
    startup_process_total_ms_tsx: viaTsx.totalMs,
    rss_after_start_mb_tsx: viaTsx.rssMb,
  };
}

if (isMain(import.meta.url)) {
  console.table(await benchAccessPath());
}
