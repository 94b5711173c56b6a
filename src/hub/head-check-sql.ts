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
 * and reads the hash held at each head's seq on its prefix's chain (the first row by door, as
 * a head's check picks it).
 */
export async function readHeadState(
  tx: Sql,
  prefixes: string[],
  lookups: Array<{ prefix: string; seq: number }>,
): Promise<HeadState> {
  const unique = [...new Set(prefixes)];
  const seen = new Set<string>();
  const wanted = lookups.filter((l) => {
    const key = `${l.prefix}\n${l.seq}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  const [row] = await tx.query<{
    doors: DoorHeadRow[] | null;
    held: Array<{ chain: string | null; seq: number; hash: string | null }> | null;
  }>(
    `WITH locked AS MATERIALIZED (
       SELECT door, prefix, public_key, head_seq, head_hash, head_ts, head_verified, last_seq,
              checkpoint_seq, chain_state, state_seq, doors, NULL::text AS last_seen
       FROM hub_doors WHERE prefix = ANY($1::text[]) OR door = ANY($2::text[])
       ORDER BY door FOR UPDATE)
     SELECT (SELECT json_agg(l) FROM locked l) AS doors,
            (SELECT json_agg(json_build_object('chain', c.door, 'seq', q.seq, 'hash', e.hash))
             FROM unnest($3::text[], $4::bigint[]) AS q(prefix, seq)
             LEFT JOIN LATERAL (SELECT l.door FROM locked l WHERE l.prefix = q.prefix
                                ORDER BY l.door LIMIT 1) c ON true
             LEFT JOIN LATERAL (SELECT h.hash FROM hub_events h WHERE h.chain = c.door AND h.seq = q.seq
                                LIMIT 1) e ON true) AS held`,
    [unique, unique.map(chainOf), wanted.map((l) => l.prefix), wanted.map((l) => l.seq)],
  );
  const held = new Map<string, string | null>();
  for (const h of row?.held ?? []) if (h.chain !== null) held.set(`${h.chain}\n${h.seq}`, h.hash);
  return { doors: row?.doors ?? [], held };
}

/**
 * One statement: the rows of doors first seen through a head (a row of that name made
 * meanwhile by another hub gets the head as the separate INSERT and UPDATE would have given
 * it), every other touched door's final head state, and the alerts in the order they arose.
 */
export async function writeHeadVerdicts(
  tx: Sql,
  created: DoorHeadRow[],
  changed: DoorHeadRow[],
  alerts: HubAlert[],
): Promise<void> {
  if (created.length === 0 && changed.length === 0 && alerts.length === 0) return;
  const heads = (rows: DoorHeadRow[]) =>
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
    );
  await tx.query(
    `WITH created AS (
       INSERT INTO hub_doors (door, prefix, head_seq, head_hash, head_ts, head_verified)
       SELECT door, prefix, head_seq, head_hash, head_ts, false
       FROM json_to_recordset($1::json) AS x(door text, prefix text, head_seq bigint, head_hash text, head_ts timestamptz)
       ON CONFLICT (door) DO UPDATE SET head_seq = EXCLUDED.head_seq, head_hash = EXCLUDED.head_hash,
         head_ts = EXCLUDED.head_ts, head_verified = false
       RETURNING 1),
     changed AS (
       UPDATE hub_doors d SET head_seq = u.head_seq, head_hash = u.head_hash, head_ts = u.head_ts,
         head_verified = u.head_verified, chain_state = u.chain_state, state_seq = u.state_seq,
         last_seen = COALESCE(u.last_seen, d.last_seen)
       FROM json_to_recordset($2::json) AS u(door text, head_seq bigint, head_hash text, head_ts timestamptz,
         head_verified boolean, chain_state text, state_seq bigint, last_seen timestamptz)
       WHERE d.door = u.door
       RETURNING 1),
     raised AS (
       INSERT INTO hub_alerts (door, kind, seq, detail)
       SELECT door, kind, seq, detail FROM json_to_recordset($3::json) AS a(door text, kind text, seq bigint, detail text)
       RETURNING 1)
     SELECT (SELECT count(*) FROM created) + (SELECT count(*) FROM changed) + (SELECT count(*) FROM raised) AS n`,
    [
      heads(created),
      heads(changed),
      JSON.stringify(
        alerts.map((a) => ({
          door: a.door,
          kind: a.kind,
          seq: a.seq,
          detail: a.detail ? JSON.stringify(a.detail) : null,
        })),
      ),
    ],
  );
}
