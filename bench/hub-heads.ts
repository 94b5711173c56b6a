// `npm run bench -- "hub heads"`: the cost of checking doors' signed heads against the rows the
// hub holds, on PostgreSQL and PGlite: heads/s and database round trips per head, one head per
// transaction and a burst of heads in one transaction (what a hub batch holds after a fleet's
// burst), next to the bare fsync'd insert of the same run. No broker: the check alone.
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LightDoor } from "../simulator/light-door.js";
import { checkHead, checkHeads } from "../src/hub/head-check.js";
import { enrolDoor } from "../src/hub/hub-queries.js";
import { ingestBatch } from "../src/hub/ingest.js";
import type { HubStore, Sql } from "../src/hub/store/hub-store.js";
import { migrate } from "../src/hub/store/migrations.js";
import { openPgliteStore } from "../src/hub/store/pglite-store.js";
import { bareInsert, benchPostgres, freshBenchSchema } from "./hub-env.js";
import { loadAverage } from "./proc-cpu.js";
import { round } from "./stats.js";

const DOORS = Number(process.env.HUB_HEADS_DOORS ?? 500);
const EVENTS_PER_DOOR = 10;
const T0 = Date.parse("2026-11-02T08:00:00Z");

/** Counts the statements sent on a transaction (each is one round trip to the server). */
function counting(tx: Sql, counter: { n: number }): Sql {
  return {
    query: (text, params) => {
      counter.n++;
      return tx.query(text, params);
    },
  };
}

/** Each head checked on its own (the hub before heads were batched: 3 round trips a head then). */
async function headsOneByOne(tx: Sql, prefix: string, heads: Array<{ door: string; raw: Buffer }>) {
  for (const h of heads) await checkHead(tx, `${prefix}/${h.door}`, h.raw, Date.now());
}

/** The hub now: a batch's heads checked together. */
async function headsBatched(tx: Sql, prefix: string, heads: Array<{ door: string; raw: Buffer }>) {
  await checkHeads(
    tx,
    heads.map((h) => ({ prefix: `${prefix}/${h.door}`, raw: h.raw })),
    Date.now(),
  );
}

type Mode = (tx: Sql, prefix: string, heads: Array<{ door: string; raw: Buffer }>) => Promise<void>;

async function seed(store: HubStore, prefix: string): Promise<Array<{ door: string; raw: Buffer }>> {
  const keys = generateKeyPairSync("ed25519");
  const pem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
  const doors = Array.from(
    { length: DOORS },
    (_, i) => new LightDoor(`d${String(i).padStart(4, "0")}`, keys.privateKey),
  );
  for (const d of doors) {
    for (let i = 0; i < EVENTS_PER_DOOR; i++) d.append(T0 + i * 1000);
    await enrolDoor(store, d.door, pem, `${prefix}/${d.door}`);
  }
  await store.transaction((tx) =>
    ingestBatch(
      tx,
      doors.flatMap((d) => d.events.map((event) => ({ event, prefix: `${prefix}/${d.door}` }))),
      T0 + 60_000,
    ),
  );
  return doors.map((d) => ({ door: d.door, raw: Buffer.from(d.head(T0 + 60_000)) }));
}

/** Every door's head once, `perTransaction` heads to a transaction; heads/s and statements per head. */
async function measure(
  store: HubStore,
  prefix: string,
  heads: Array<{ door: string; raw: Buffer }>,
  perTransaction: number,
  mode: Mode,
): Promise<{ heads_s: number; round_trips_per_head: number }> {
  const counter = { n: 0 };
  let transactions = 0;
  const t0 = performance.now();
  for (let i = 0; i < heads.length; i += perTransaction) {
    transactions++;
    await store.transaction((tx) => mode(counting(tx, counter), prefix, heads.slice(i, i + perTransaction)));
  }
  const seconds = (performance.now() - t0) / 1000;
  return {
    heads_s: round(heads.length / seconds, 0),
    // BEGIN and COMMIT are a round trip each on PostgreSQL; shared by the transaction's heads.
    round_trips_per_head: round((counter.n + 2 * transactions) / heads.length, 2),
  };
}

async function runOn(name: string, store: HubStore): Promise<Record<string, number | string>> {
  const prefix = `bench-${name}`;
  const heads = await seed(store, prefix);
  const out: Record<string, number | string> = { load_average_at_start: loadAverage() };
  out.bare_fsync_insert_rows_s = await bareInsert(store);
  const modes: Array<[string, Mode]> = [
    ["one_by_one", headsOneByOne],
    ["batched", headsBatched],
  ];
  for (const [label, mode] of modes) {
    await measure(store, prefix, heads.slice(0, 50), 50, mode); // warm the plans and caches
    for (const per of [1, 100]) {
      const m = await measure(store, prefix, heads, per, mode);
      out[`${label}.${per}_per_tx.heads_s`] = m.heads_s;
      out[`${label}.${per}_per_tx.round_trips_per_head`] = m.round_trips_per_head;
    }
  }
  out.load_average_at_end = loadAverage();
  return out;
}

export async function benchHubHeads(): Promise<Record<string, number | string>> {
  const out: Record<string, number | string> = { doors: DOORS };
  const server = benchPostgres();
  if (server) {
    const store = await freshBenchSchema(server.url, "hub_heads_bench", 2);
    try {
      for (const [k, v] of Object.entries(await runOn("postgresql", store))) out[`postgresql.${k}`] = v;
    } finally {
      await store.close();
      server.stop();
    }
  } else out.postgresql = "no PostgreSQL (install postgresql or set HUB_BENCH_DATABASE_URL)";
  const lite = await openPgliteStore(join(mkdtempSync(join(tmpdir(), "hub-heads-pglite-")), "pgdata"));
  try {
    await migrate(lite);
    for (const [k, v] of Object.entries(await runOn("pglite", lite))) out[`pglite.${k}`] = v;
  } finally {
    await lite.close();
  }
  return out;
}
