import { GENESIS_HASH } from "../audit/audit-log.js";
import { eventHash } from "./event-payload.js";
import type { HubStore, Sql } from "./store/hub-store.js";

export interface ChainVerdict {
  door: string;
  ok: boolean;
  checked: number;
  firstBad?: { seq: number; problem: string };
}

interface StoredRow {
  chain: string;
  seq: number;
  ts_ms: number;
  door: string;
  kind: string;
  credential: string | null;
  outcome: string | null;
  reason: string;
  user_code: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

interface Walk {
  verdict: ChainVerdict;
  prevSeq: number;
  prevHash: string;
}

/** Rows per FETCH: big enough that the round trip is nothing, small enough that memory stays flat. */
const FETCH_ROWS = 20_000;
/** Cursors read at once on PostgreSQL (the pool holds 4 connections). */
const VERIFY_CONNECTIONS = 2;

/**
 * Walks each chain end to end, from its retention checkpoint: seqs contiguous, each row's
 * prev_hash the previous row's hash, each hash recomputed from the row's fields (its door
 * included: a controller's one chain covers all its doors). `door` picks one chain, by its id
 * or by a door on it.
 *
 * One server-side cursor over the (chain, seq, ts) key, in chain order: no per-chain query, no
 * OFFSET or keyset re-planning, the next chunk fetched while this one is hashed, and the time
 * read as epoch milliseconds (no Date per row).
 */
export async function verifyChains(store: HubStore, door?: string): Promise<ChainVerdict[]> {
  const chains = await store.query<{ door: string; checkpoint_seq: number; checkpoint_hash: string | null }>(
    `SELECT door, checkpoint_seq, checkpoint_hash FROM hub_doors
     ${door ? "WHERE door = $1 OR $1 = ANY(doors)" : ""} ORDER BY door`,
    door ? [door] : [],
  );
  if (chains.length === 0) return [];
  const walks = new Map<string, Walk>(
    chains.map((c) => [
      c.door,
      {
        verdict: { door: c.door, ok: true, checked: 0 },
        prevSeq: c.checkpoint_seq,
        prevHash: c.checkpoint_hash ?? GENESIS_HASH,
      },
    ]),
  );
  // PostgreSQL: one cursor per slice of the chains, each on its own connection (its own server
  // process), so reading the index in chain order runs on every core. PGlite has one connection.
  const ids = [...walks.keys()];
  const slices = store.kind === "postgresql" ? Math.min(VERIFY_CONNECTIONS, ids.length) : 1;
  const per = Math.ceil(ids.length / slices);
  await Promise.all(
    Array.from({ length: slices }, (_, i) => ids.slice(i * per, (i + 1) * per)).map((slice) =>
      store.transaction((tx) => walkSlice(tx, slice[0] as string, slice.at(-1) as string, walks)),
    ),
  );
  return [...walks.values()].map((w) => w.verdict);
}

async function walkSlice(tx: Sql, first: string, last: string, walks: Map<string, Walk>): Promise<void> {
  const cursor = `hub_verify_${Math.random().toString(36).slice(2, 10)}`;
  // date_part gives seconds as a double: exact to the millisecond the ts holds, and far cheaper
  // than the numeric extract().
  await tx.query(
    `DECLARE ${cursor} NO SCROLL CURSOR FOR
     SELECT chain, seq, round(date_part('epoch', ts) * 1000)::bigint AS ts_ms, door, kind, credential, outcome,
            reason, user_code, detail, prev_hash, hash
     FROM hub_events WHERE chain BETWEEN $1 AND $2 ORDER BY chain, seq, ts`,
    [first, last],
  );
  const fetch = () => tx.query<StoredRow>(`FETCH ${FETCH_ROWS} FROM ${cursor}`);
  let next = fetch();
  for (;;) {
    const rows = await next;
    if (rows.length === 0) break;
    next = fetch();
    checkRows(rows, walks);
  }
  await tx.query(`CLOSE ${cursor}`);
}

function checkRows(rows: StoredRow[], walks: Map<string, Walk>): void {
  let walk: Walk | undefined;
  for (const r of rows) {
    if (walk?.verdict.door !== r.chain) walk = walks.get(r.chain);
    // Rows of a chain hub_doors does not list (none, unless edited by hand) or already found bad.
    if (!walk?.verdict.ok) continue;
    const v = walk.verdict;
    const bad = (seq: number, problem: string) => {
      v.ok = false;
      v.firstBad = { seq, problem };
    };
    if (r.seq <= walk.prevSeq) {
      // At or before a retention checkpoint (a row left in a partition not yet dropped) is not checked.
      if (r.seq === walk.prevSeq && v.checked > 0) bad(r.seq, "two different rows under one seq");
      continue;
    }
    if (r.seq !== walk.prevSeq + 1) bad(walk.prevSeq + 1, `missing (next held is ${r.seq})`);
    else if (r.prev_hash !== walk.prevHash) bad(r.seq, "does not link to the previous row");
    else if (
      eventHash({
        door: r.door,
        seq: r.seq,
        tsMs: r.ts_ms,
        kind: r.kind,
        credential: r.credential,
        outcome: r.outcome,
        reason: r.reason,
        userCode: r.user_code,
        detail: r.detail,
        prevHash: r.prev_hash,
        hash: r.hash,
      }) !== r.hash
    )
      bad(r.seq, "altered (hash does not match its fields)");
    else {
      walk.prevSeq = r.seq;
      walk.prevHash = r.hash;
      v.checked++;
    }
  }
}
