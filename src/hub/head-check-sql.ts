import type { HubAlert } from "./alerts.js";
import { chainOf } from "./ingest.js";
import type { Sql } from "./store/hub-store.js";

/** A hub_doors row as the head check reads and writes it. */
export interface DoorHeadRow {
  door: string;
  prefix: string;
  public_key: string | null;
  head_seq: number | null;
  head_hash: string | null;
  head_ts: string | null;
  head_verified: boolean;
  last_seq: number;
  checkpoint_seq: number;
  chain_state: string;
  state_seq: number | null;
  doors: string[];
  /** Set only by a verified head; null here leaves the stored value. */
  last_seen: string | null;
}

export interface HeadState {
  doors: DoorHeadRow[];
  /** `${chain}\n${seq}` → the hash held at that seq, null when the hub holds no row there. */
  held: Map<string, string | null>;
}

/**
 * One statement: locks, in door order, the rows the heads may touch (each prefix's rows, and
 * the row named after its chain, which a door first seen through its head would collide with),
 * and reads with each row the hashes held on its chain at the seqs its prefix's heads name.
 * Plain rows with a sub-select, not CTEs and JSON: for one head this is planned as fast as the
 * single-row SELECT it replaces.
 */
export async function readHeadState(
  tx: Sql,
  prefixes: string[],
  lookups: Array<{ prefix: string; seq: number }>,
): Promise<HeadState> {
  const unique = [...new Set(prefixes)];
  const columns =
    "door, prefix, public_key, head_seq, head_verified, last_seq, checkpoint_seq, chain_state, state_seq, doors";
  type Row = Omit<DoorHeadRow, "head_hash" | "head_ts" | "last_seen"> & { held: string[] };
  // The heads of one door (the usual batch): every seq asked is that prefix's, so plain
  // parameters serve, the cheapest statement for the server to plan.
  const rows =
    unique.length === 1
      ? await tx.query<Row>(
          `SELECT ${columns},
             ARRAY(SELECT h.seq || ' ' || h.hash FROM hub_events h WHERE h.chain = d.door AND h.seq = ANY($3::bigint[])) AS held
           FROM hub_doors d WHERE prefix = $1 OR door = $2 ORDER BY door FOR UPDATE`,
          [unique[0], chainOf(unique[0] as string), lookups.map((l) => l.seq)],
        )
      : await tx.query<Row>(
          `SELECT ${columns},
             ARRAY(SELECT h.seq || ' ' || h.hash FROM hub_events h
                   WHERE h.chain = d.door AND h.seq IN (SELECT q.seq FROM unnest($3::text[], $4::bigint[]) AS q(prefix, seq)
                                                        WHERE q.prefix = d.prefix)) AS held
           FROM hub_doors d WHERE prefix = ANY($1::text[]) OR door = ANY($2::text[])
           ORDER BY door FOR UPDATE`,
          [unique, unique.map(chainOf), lookups.map((l) => l.prefix), lookups.map((l) => l.seq)],
        );
  const seqsOf = new Map<string, number[]>();
  for (const l of lookups) seqsOf.set(l.prefix, [...(seqsOf.get(l.prefix) ?? []), l.seq]);
  const held = new Map<string, string | null>();
  const doors: DoorHeadRow[] = [];
  for (const { held: hashes, ...row } of rows) {
    doors.push({ ...row, head_hash: null, head_ts: null, last_seen: null });
    // Every seq asked for on this row's prefix: none held unless listed.
    for (const seq of seqsOf.get(row.prefix) ?? []) held.set(`${row.door}\n${seq}`, null);
    for (const h of hashes) {
      const [seq, hash] = h.split(" ");
      const key = `${row.door}\n${seq}`;
      if (!held.get(key)) held.set(key, hash ?? null);
    }
  }
  return { doors, held };
}

/**
 * One statement: the rows of doors first seen through a head (a row of that name made
 * meanwhile by another hub gets the head as the separate INSERT and UPDATE would have given
 * it), every other touched door's final head state, and the alerts in the order they arose.
 * Only the parts with something to write are sent (the common batch is the UPDATE alone).
 */
export async function writeHeadVerdicts(
  tx: Sql,
  created: DoorHeadRow[],
  changed: DoorHeadRow[],
  alerts: HubAlert[],
): Promise<void> {
  const [only] = changed;
  if (only && changed.length === 1 && created.length === 0 && alerts.length === 0) {
    // One door's head and nothing to raise (the usual batch): plain parameters, as cheap as it gets.
    await tx.query(
      `UPDATE hub_doors SET head_seq = $2, head_hash = $3, head_ts = $4, head_verified = $5, chain_state = $6,
         state_seq = $7, last_seen = COALESCE($8, last_seen) WHERE door = $1`,
      [
        only.door,
        only.head_seq,
        only.head_hash,
        only.head_ts,
        only.head_verified,
        only.chain_state,
        only.state_seq,
        only.last_seen,
      ],
    );
    return;
  }
  const parts: string[] = [];
  const params: string[] = [];
  const heads = (rows: DoorHeadRow[]) => {
    params.push(
      JSON.stringify(
        rows.map((r) => ({
          door: r.door,
          prefix: r.prefix,
          head_seq: r.head_seq,
          head_hash: r.head_hash,
          head_ts: r.head_ts,
          head_verified: r.head_verified,
          chain_state: r.chain_state,
          state_seq: r.state_seq,
          last_seen: r.last_seen,
        })),
      ),
    );
    return `$${params.length}::json`;
  };
  if (created.length > 0)
    parts.push(`INSERT INTO hub_doors (door, prefix, head_seq, head_hash, head_ts, head_verified)
       SELECT door, prefix, head_seq, head_hash, head_ts, false
       FROM json_to_recordset(${heads(created)}) AS x(door text, prefix text, head_seq bigint, head_hash text, head_ts timestamptz)
       ON CONFLICT (door) DO UPDATE SET head_seq = EXCLUDED.head_seq, head_hash = EXCLUDED.head_hash,
         head_ts = EXCLUDED.head_ts, head_verified = false`);
  if (changed.length > 0)
    parts.push(`UPDATE hub_doors d SET head_seq = u.head_seq, head_hash = u.head_hash, head_ts = u.head_ts,
         head_verified = u.head_verified, chain_state = u.chain_state, state_seq = u.state_seq,
         last_seen = COALESCE(u.last_seen, d.last_seen)
       FROM json_to_recordset(${heads(changed)}) AS u(door text, head_seq bigint, head_hash text, head_ts timestamptz,
         head_verified boolean, chain_state text, state_seq bigint, last_seen timestamptz)
       WHERE d.door = u.door`);
  if (alerts.length > 0) {
    params.push(
      JSON.stringify(
        alerts.map((a) => ({
          door: a.door,
          kind: a.kind,
          seq: a.seq,
          detail: a.detail ? JSON.stringify(a.detail) : null,
        })),
      ),
    );
    parts.push(`INSERT INTO hub_alerts (door, kind, seq, detail)
       SELECT door, kind, seq, detail FROM json_to_recordset($${params.length}::json)
         AS a(door text, kind text, seq bigint, detail text)`);
  }
  if (parts.length === 0) return;
  // The created and changed rows are disjoint, so the parts never touch one row twice.
  const [main, ...others] = parts.reverse();
  const sql = others.length
    ? `WITH ${others.map((p, i) => `w${i} AS (${p} RETURNING 1)`).join(", ")} ${main}`
    : (main as string);
  await tx.query(sql, params);
}
