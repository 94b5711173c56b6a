import type { HubStore, Sql } from "./hub-store.js";

/**
 * The hub's schema, one step per version, applied in order inside one transaction each and
 * recorded in hub_schema. Two hubs starting at once serialise on an advisory lock.
 *
 * hub_events is partitioned by month on ts, so retention drops whole partitions. PostgreSQL
 * requires the partition key in a partitioned table's primary key, hence (door, seq, ts): a
 * re-sent event carries the same ts (it is the door's row), so duplicates still collide and
 * ON CONFLICT DO NOTHING keeps one row. A different row under the same seq (a fork) is caught
 * before the insert by the chain check, which looks seqs up by (door, seq).
 */
const MIGRATIONS: string[] = [
  `CREATE TABLE hub_events (
     door text NOT NULL,
     seq bigint NOT NULL,
     ts timestamptz NOT NULL,
     kind text NOT NULL,
     credential text,
     outcome text,
     reason text NOT NULL,
     user_code text,
     detail text,
     prev_hash text NOT NULL,
     hash text NOT NULL,
     received_at timestamptz NOT NULL DEFAULT now(),
     PRIMARY KEY (door, seq, ts)
   ) PARTITION BY RANGE (ts);
   CREATE INDEX hub_events_ts ON hub_events (ts);
   CREATE INDEX hub_events_user ON hub_events (user_code, ts);
   CREATE TABLE hub_doors (
     door text PRIMARY KEY,
     prefix text NOT NULL,
     status text NOT NULL DEFAULT 'pending',
     public_key text,
     first_seen timestamptz NOT NULL DEFAULT now(),
     last_seen timestamptz,
     last_seq bigint NOT NULL DEFAULT 0,
     last_ts timestamptz,
     chain_state text NOT NULL DEFAULT 'ok',
     state_seq bigint,
     head_seq bigint,
     head_hash text,
     head_ts timestamptz,
     head_verified boolean NOT NULL DEFAULT false,
     checkpoint_seq bigint NOT NULL DEFAULT 0,
     checkpoint_hash text,
     online boolean NOT NULL DEFAULT false,
     lag_ms bigint
   );
   CREATE TABLE hub_alerts (
     id bigserial PRIMARY KEY,
     ts timestamptz NOT NULL DEFAULT now(),
     door text NOT NULL,
     kind text NOT NULL,
     seq bigint,
     detail text
   );`,
  // Issue 14: a controller with several doors publishes one hash chain for all of them, so the
  // chain (the controller, named by its topic) is the key; each row keeps its door for queries.
  // hub_doors stays one row per chain (its "door" is the chain's id, the controller's first
  // door), lists the doors seen on it, and keeps the hash of its last seq so the ingest checks
  // a link without reading hub_events.
  `ALTER TABLE hub_events ADD COLUMN chain text;
   UPDATE hub_events SET chain = door;
   ALTER TABLE hub_events ALTER COLUMN chain SET NOT NULL;
   ALTER TABLE hub_events DROP CONSTRAINT hub_events_pkey;
   ALTER TABLE hub_events ADD PRIMARY KEY (chain, seq, ts);
   ALTER TABLE hub_doors ADD COLUMN doors text[] NOT NULL DEFAULT '{}';
   ALTER TABLE hub_doors ADD COLUMN last_hash text;
   UPDATE hub_doors d SET doors = ARRAY[d.door],
     last_hash = (SELECT e.hash FROM hub_events e WHERE e.chain = d.door AND e.seq = d.last_seq LIMIT 1)`,
  // Heads and availability find their chain row by topic prefix: an index instead of reading
  // every door's row for each batch (the head check locks by prefix OR chain name).
  `CREATE INDEX hub_doors_prefix ON hub_doors (prefix)`,
];

export async function migrate(store: HubStore): Promise<number> {
  return store.transaction(async (tx: Sql) => {
    await tx.query("SELECT pg_advisory_xact_lock(7464)");
    await tx.query(
      "CREATE TABLE IF NOT EXISTS hub_schema (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const [row] = await tx.query<{ v: number | null }>("SELECT max(version) AS v FROM hub_schema");
    const current = row?.v ?? 0;
    for (let v = current; v < MIGRATIONS.length; v++) {
      for (const statement of splitStatements(MIGRATIONS[v] as string)) await tx.query(statement);
      await tx.query("INSERT INTO hub_schema (version) VALUES ($1)", [v + 1]);
    }
    return MIGRATIONS.length;
  });
}

/** The migrations hold no semicolons inside literals, so a plain split is enough. */
function splitStatements(script: string): string[] {
  return script
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}

/** Month partitions are made on demand, under the same lock as migrations (two hubs may race). */
export async function ensureMonthPartitions(tx: Sql, months: string[]): Promise<void> {
  for (const month of months) {
    const [y, m] = month.split("-").map(Number) as [number, number];
    const from = `${y}-${String(m).padStart(2, "0")}-01`;
    const next = m === 12 ? `${y + 1}-01-01` : `${y}-${String(m + 1).padStart(2, "0")}-01`;
    const name = partitionName(month);
    // The common case (the month exists) costs one catalogue lookup, no lock.
    const [exists] = await tx.query<{ t: string | null }>("SELECT to_regclass($1)::text AS t", [name]);
    if (exists?.t) continue;
    await tx.query("SELECT pg_advisory_xact_lock(7465)");
    await tx.query(
      `CREATE TABLE IF NOT EXISTS ${name} PARTITION OF hub_events FOR VALUES FROM ('${from}') TO ('${next}')`,
    );
  }
}

/** "2026-03" → hub_events_2026_03. */
export function partitionName(month: string): string {
  if (!/^\d{4}-\d{2}$/.test(month)) throw new Error(`bad month ${month}`);
  return `hub_events_${month.replace("-", "_")}`;
}

export function monthOf(tsMs: number): string {
  return new Date(tsMs).toISOString().slice(0, 7);
}
