// `npm run bench -- "hub verify"`: `hub verify` speed on 10,000,000 stored events (HUB_VERIFY_ROWS)
// in a private PostgreSQL, 1,000 doors with real chains (each hash the door's own row hash, made
// by PostgreSQL's sha256 in a recursive query, so seeding takes a few minutes, not an hour). The
// seeded cluster is kept under HUB_BENCH_CACHE_DIR (default /var/tmp/doorward-bench, readable by
// the unprivileged user PostgreSQL runs as) and reused by the next run.
import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { GENESIS_HASH, rowHash } from "../src/audit/audit-log.js";
import { verifyChains } from "../src/hub/hub-queries.js";
import { ensureMonthPartitions, migrate, monthOf } from "../src/hub/store/migrations.js";
import { openPgStore } from "../src/hub/store/pg-store.js";
import { loadAverage, treeCpuSeconds } from "./proc-cpu.js";
import { round } from "./stats.js";

const ROWS = Number(process.env.HUB_VERIFY_ROWS ?? 10_000_000);
const DOORS = 1000;
const PER_DOOR = Math.ceil(ROWS / DOORS);
const T0 = Date.parse("2026-03-02T00:00:00Z");
const SEED_VERSION = 1;

const sh = (script: string) => execFileSync("bash", ["-c", script], { encoding: "utf8" }).trim();
const pgBin = () => sh("ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1");

/** The door's fields JSON, as rowHash builds it, for the seeded rows (door names need no escaping). */
const FIELDS_SQL = (seq: string, tsMs: string, chain: string) =>
  `'[' || ${seq} || ',' || ${tsMs} || ',"' || ${chain} || '","access","pin","granted","granted","u-TEST01",null]'`;
const HASH_SQL = (prev: string, seq: string, tsMs: string, chain: string) =>
  `encode(sha256(convert_to(${prev} || E'\\n' || ${FIELDS_SQL(seq, tsMs, chain)}, 'UTF8')), 'hex')`;

async function seed(url: string): Promise<number> {
  const store = openPgStore(url, { max: 1 });
  try {
    await migrate(store);
    // The SQL hash must be the door's: checked on one row before seeding millions.
    const [probe] = await store.query<{ h: string }>(
      `SELECT ${HASH_SQL("$1", "7", "123", "'door-1'")} AS h`,
      [GENESIS_HASH],
    );
    const expected = rowHash({
      seq: 7,
      ts_ms: 123,
      door: "door-1",
      kind: "access",
      credential: "pin",
      outcome: "granted",
      reason: "granted",
      user_code: "u-TEST01",
      detail: null,
      prev_hash: GENESIS_HASH,
    });
    if (probe?.h !== expected) throw new Error("the seed's SQL hash is not the door's row hash");
    const t0 = performance.now();
    await store.transaction(async (tx) => {
      await ensureMonthPartitions(tx, [monthOf(T0), monthOf(T0 + PER_DOOR * 1000 + DOORS)]);
      await tx.query(
        `INSERT INTO hub_events (chain, door, seq, ts, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
         WITH RECURSIVE c(chain, seq, ts_ms, prev_hash, hash) AS (
           SELECT 'door-' || d, 1::bigint, ${T0}::bigint + d, '${GENESIS_HASH}'::text,
                  ${HASH_SQL(`'${GENESIS_HASH}'`, "1", `(${T0}::bigint + d)`, "('door-' || d)")}
           FROM generate_series(0, ${DOORS - 1}) d
           UNION ALL
           SELECT chain, seq + 1, ts_ms + 1000, hash, ${HASH_SQL("hash", "(seq + 1)", "(ts_ms + 1000)", "chain")}
           FROM c WHERE seq < ${PER_DOOR})
         SELECT chain, chain, seq, 'epoch'::timestamptz + ts_ms * interval '1 millisecond', 'access', 'pin',
                'granted', 'granted', 'u-TEST01', NULL, prev_hash, hash FROM c`,
      );
      await tx.query(
        `INSERT INTO hub_doors (door, prefix, doors, last_seq, last_hash)
         SELECT chain, 'doorward/' || chain, ARRAY[chain], seq, hash FROM hub_events WHERE seq = ${PER_DOOR}`,
      );
    });
    await store.query("VACUUM ANALYZE hub_events");
    return round((performance.now() - t0) / 1000, 0);
  } finally {
    await store.close();
  }
}

function asNobody(cmd: string): string {
  return sh(`if [ "$(id -u)" = 0 ]; then runuser -u nobody -- ${cmd}; else ${cmd}; fi`);
}

export async function benchHubVerify(): Promise<Record<string, number | string>> {
  const cache = join(
    process.env.HUB_BENCH_CACHE_DIR ?? "/var/tmp/doorward-bench",
    `hub-verify-${ROWS}-v${SEED_VERSION}`,
  );
  const fresh = !existsSync(join(cache, "seeded"));
  if (fresh && existsSync(cache) && readdirSync(cache).length > 0) sh(`rm -rf ${cache}`); // a seed that did not finish
  mkdirSync(cache, { recursive: true });
  let url: string;
  try {
    if (fresh) url = sh(`bash .ci/postgres start ${cache}`);
    else {
      const port = sh(
        `node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'`,
      );
      asNobody(
        `${pgBin()}/pg_ctl -D ${cache}/data -l ${cache}/server.log -w -t 60 -o "-c listen_addresses=127.0.0.1 -p ${port} -k ${cache}" start`,
      );
      writeFileSync(join(cache, "port"), port);
      url = `postgres://doorward@127.0.0.1:${port}/postgres`;
    }
  } catch {
    return { note: "no PostgreSQL: skipped" };
  }
  const out: Record<string, number | string> = { rows: DOORS * PER_DOOR, doors: DOORS };
  try {
    if (fresh) {
      out.seed_s = await seed(url);
      writeFileSync(join(cache, "seeded"), `${new Date().toISOString()}\n`);
    } else out.seed = `cached in ${cache}`;
    out.load_average_at_start = loadAverage();
    const store = openPgStore(url, { max: 4 });
    try {
      const postmaster = Number(readFileSync(join(cache, "data", "postmaster.pid"), "utf8").split("\n")[0]);
      const cpu0 = { hub: process.cpuUsage(), db: treeCpuSeconds(postmaster) };
      const t0 = performance.now();
      const verdicts = await verifyChains(store);
      const s = (performance.now() - t0) / 1000;
      const hubCpu = process.cpuUsage(cpu0.hub);
      out.verify_cpu_s = round((hubCpu.user + hubCpu.system) / 1e6, 1);
      out.postgres_cpu_s = round(treeCpuSeconds(postmaster) - cpu0.db, 1);
      out.rows_per_verify_cpu_s = round(
        verdicts.reduce((a, v) => a + v.checked, 0) / Number(out.verify_cpu_s),
        0,
      );
      const checked = verdicts.reduce((a, v) => a + v.checked, 0);
      out.verified_rows = checked;
      out.all_ok = verdicts.every((v) => v.ok) ? "yes" : "NO";
      out.verify_s = round(s, 1);
      out.verify_rows_s = round(checked / s, 0);
    } finally {
      await store.close();
    }
    out.load_average_at_end = loadAverage();
    out.database_mb = round(Number(sh(`du -sm ${cache}/data | cut -f1`)), 0);
  } finally {
    sh(`bash .ci/postgres stop ${cache}`);
  }
  return out;
}
