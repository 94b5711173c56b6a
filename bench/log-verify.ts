/**
 * `log verify` on the seeded log (`--people N --rows N`, the cached file opened read-only in
 * place, as the CLI opens a stopped service's database): rows/s and CPU of the walk, then where a
 * row's time goes on one thread (the floor behind the figure): reading it from SQLite the old way
 * (eleven columns) and the workers' way (SQLite's JSON, four values), JSON.stringify, SHA-256.
 */
import { hash } from "node:crypto";
import { loadavg } from "node:os";
import { performance } from "node:perf_hooks";
import { defaultWorkerCount, SQL_ROW_JSON } from "../src/audit/chain-chunk-workers.js";
import { verifyChain } from "../src/audit/chain-verify.js";
import { openDatabaseReadOnly } from "../src/store/open-database.js";
import { benchOptions } from "./bench-options.js";
import { cachedSite } from "./seed-cache.js";
import { isMain, round } from "./stats.js";

/** The rows the floor is measured on (the first of the log): enough for a stable per-row figure. */
const FLOOR_ROWS = 1_000_000;

export async function benchLogVerify(): Promise<Record<string, number | string>> {
  const { people, rows, cacheDir } = benchOptions;
  const site = cachedSite(people, rows, cacheDir);
  const dbPath = `${site.cached}/doorward.db`;
  return {
    audit_rows: rows,
    ...verifyFigures(dbPath, rows),
    ...floorFigures(dbPath, Math.min(rows, FLOOR_ROWS)),
  };
}

/** The whole walk as `doorward log verify` runs it (worker threads on chunks of seq). */
export function verifyFigures(dbPath: string, rows: number): Record<string, number> {
  const db = openDatabaseReadOnly(dbPath);
  const load = loadavg()[0] as number;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const result = verifyChain(db);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  db.close();
  if (!result.ok || result.checked < rows)
    throw new Error(`seeded log does not verify: ${JSON.stringify(result)}`);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  return {
    log_verify_threads: defaultWorkerCount(),
    log_verify_s: round(seconds, 1),
    log_verify_rows_per_s: Math.round(result.checked / seconds),
    log_verify_cpu_s: round(cpuS, 1),
    // What one core does: the figure that does not depend on what else the machine runs.
    log_verify_rows_per_cpu_s: Math.round(result.checked / cpuS),
    log_verify_load_avg_at_start: round(load, 1),
  };
}

/** CPU microseconds per row of each part of the check, on one thread. */
function floorFigures(dbPath: string, rows: number): Record<string, number> {
  const db = openDatabaseReadOnly(dbPath);
  db.pragma("cache_size = -1000");
  const batches = (sql: string) => {
    const stmt = db
      .prepare(`${sql} FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT 4096`)
      .raw();
    return function* () {
      for (let after = 0; after < rows; after += 4096) yield* stmt.all(after, rows) as unknown[][];
    };
  };
  const perRow = (work: () => void) => {
    const cpu0 = process.cpuUsage();
    work();
    const cpu = process.cpuUsage(cpu0);
    return round((cpu.user + cpu.system) / rows, 2);
  };
  const whole = batches(
    "SELECT seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash",
  );
  const sqlJson = batches(`SELECT seq, prev_hash, hash, ${SQL_ROW_JSON}, reason = 'retention_purge'`);
  const kept = [...whole()];
  const texts = kept.map((r) => `${r[9]}\n${JSON.stringify(r.slice(0, 9))}`);
  let sink = 0;
  const figures = {
    floor_rows: rows,
    us_per_row_read_11_columns: perRow(() => {
      for (const r of whole()) sink += r.length;
    }),
    us_per_row_read_sql_json_4_values: perRow(() => {
      for (const r of sqlJson()) sink += r.length;
    }),
    us_per_row_json_stringify: perRow(() => {
      for (const r of kept) sink += JSON.stringify(r.slice(0, 9)).length;
    }),
    us_per_row_sha256: perRow(() => {
      for (const t of texts) sink += hash("sha256", t, "hex").length;
    }),
    us_per_row_old_check_one_thread: perRow(() => {
      for (const r of whole())
        if (hash("sha256", `${r[9]}\n${JSON.stringify(r.slice(0, 9))}`, "hex") !== r[10]) sink++;
    }),
    us_per_row_worker_check_one_thread: perRow(() => {
      for (const r of sqlJson()) if (hash("sha256", `${r[1]}\n${r[3]}`, "hex") !== r[2]) sink++;
    }),
  };
  db.close();
  if (sink < 0) throw new Error("unreachable");
  return figures;
}

if (isMain(import.meta.url)) {
  console.table(await benchLogVerify());
}
