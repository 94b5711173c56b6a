import type { HubAlert, ResendRequest } from "./alerts.js";
import type { HubEvent } from "./event-payload.js";
import type { Sql } from "./store/hub-store.js";
import { ensureMonthPartitions, monthOf } from "./store/migrations.js";

export interface IncomingEvent {
  event: HubEvent;
  /**
   * The controller's topic prefix (P in P/event): where a resend request goes, and whose last
   * segment names the chain. A controller with several doors publishes every door's rows on its
   * first door's P, in one hash chain: the chain is the controller's, each row keeps its door.
   */
  prefix: string;
}

export interface IngestResult {
  stored: number;
  duplicates: number;
  alerts: HubAlert[];
  resends: ResendRequest[];
}

/** hub_doors: one row per chain (a controller, named by its topic), whatever doors it runs. */
interface ChainRow {
  door: string;
  prefix: string;
  doors: string[];
  last_seq: number;
  last_hash: string | null;
  last_ts: Date | null;
  chain_state: string;
  state_seq: number | null;
  checkpoint_seq: number;
  checkpoint_hash: string | null;
  lag_ms?: number;
}

interface Link {
  hash: string;
  /** null: only the hash is known (the chain row's last_hash), not the row it links to. */
  prevHash: string | null;
}

/** What a hub process remembers between batches; cleared when a batch fails (it may be stale then). */
export class IngestCache {
  readonly months = new Set<string>();
  clear(): void {
    this.months.clear();
  }
}

/** How far back a broken link makes the hub ask for a re-send, to find the first differing seq. */
const FORK_SEARCH_WINDOW = 10_000;

/** "doorward/records-room" → "records-room": the `+` of the hub's `<prefix>/+/event`. */
export function chainOf(prefix: string): string {
  return prefix.slice(prefix.lastIndexOf("/") + 1);
}

/**
 * Stores one batch in the caller's transaction and checks each chain on the way: duplicates
 * are dropped, a seq already held with another hash is a fork (the hub keeps the first version
 * it saw: that is the evidence), a link that does not match its neighbour is a fork, seqs
 * jumping forward are a gap (re-send asked from the first missing one), and a fork carrying
 * newer events than the chain's last is a rewind. Chain rows are locked (FOR UPDATE, in order)
 * so hubs sharing a subscription check each chain one batch at a time.
 *
 * The common case costs no read of hub_events: each chain row holds the hash of its last seq,
 * so an event that extends the chain is checked against that. Stored rows are read only for
 * events at or below the last seq (re-sends, duplicates, forks).
 */
export async function ingestBatch(
  tx: Sql,
  batch: IncomingEvent[],
  nowMs: number,
  cache: IngestCache = new IngestCache(),
): Promise<IngestResult> {
  const result: IngestResult = { stored: 0, duplicates: 0, alerts: [], resends: [] };
  if (batch.length === 0) return result;
  const byChain = new Map<string, { prefix: string; events: HubEvent[] }>();
  for (const b of batch) {
    const chain = chainOf(b.prefix);
    let c = byChain.get(chain);
    if (!c) {
      c = { prefix: b.prefix, events: [] };
      byChain.set(chain, c);
    }
    c.events.push(b.event);
  }
  const chains = await lockChains(tx, byChain, result);
  // Every month from the batch's oldest event to its newest (two date formats per batch, not one per event).
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  for (const b of batch) {
    if (b.event.tsMs < oldest) oldest = b.event.tsMs;
    if (b.event.tsMs > newest) newest = b.event.tsMs;
  }
  let months = monthsBetween(monthOf(oldest), monthOf(newest));
  // A door with a wrong clock (1970) must not make decades of empty partitions: then the exact months.
  if (months.length > 3) months = [...new Set(batch.map((b) => monthOf(b.event.tsMs)))].sort();
  const newMonths = months.filter((m) => !cache.months.has(m));
  if (newMonths.length > 0) {
    await ensureMonthPartitions(tx, newMonths);
    for (const m of newMonths) cache.months.add(m);
  }
  const held = await heldLinks(tx, chains, byChain);

  const toInsert: Array<HubEvent & { chain: string }> = [];
  for (const chain of chains) {
    const events = (byChain.get(chain.door)?.events ?? []).sort((a, b) => a.seq - b.seq);
    checkChain(chain, events, held.get(chain.door) ?? new Map(), toInsert, result, nowMs);
  }
  if (toInsert.length > 0) {
    // The rows go as one JSON text: PostgreSQL parses it far faster than node-postgres escapes
    // twelve text arrays element by element.
    const [inserted] = await tx.query<{ n: number }>(
      `WITH ins AS (
         INSERT INTO hub_events (chain, door, seq, ts, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
         SELECT c, d, s, 'epoch'::timestamptz + t * interval '1 millisecond', k, cr, o, r, u, de, p, h
         FROM json_to_recordset($1::json)
           AS x(c text, d text, s bigint, t bigint, k text, cr text, o text, r text, u text, de text, p text, h text)
         ON CONFLICT DO NOTHING RETURNING 1)
       SELECT count(*)::bigint AS n FROM ins`,
      [JSON.stringify(toInsert.map(insertRow))],
    );
    result.stored = inserted?.n ?? 0;
    result.duplicates += toInsert.length - result.stored;
  }
  await saveChains(tx, chains, nowMs);
  await storeAlerts(tx, result.alerts);
  return result;
}

function monthsBetween(from: string, to: string): string[] {
  const months: string[] = [];
  let [y, m] = from.split("-").map(Number) as [number, number];
  for (let month = from; month <= to; month = `${y}-${String(m).padStart(2, "0")}`) {
    months.push(month);
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
  return months;
}

function insertRow(e: HubEvent & { chain: string }) {
  return {
    c: e.chain,
    d: e.door,
    s: e.seq,
    t: e.tsMs,
    k: e.kind,
    cr: e.credential,
    o: e.outcome,
    r: e.reason,
    u: e.userCode,
    de: e.detail,
    p: e.prevHash,
    h: e.hash,
  };
}

const CHAIN_COLUMNS =
  "door, prefix, doors, last_seq, last_hash, last_ts, chain_state, state_seq, checkpoint_seq, checkpoint_hash";

/** Locks the batch's chain rows in order; a chain seen for the first time gets its row (pending). */
async function lockChains(
  tx: Sql,
  byChain: Map<string, { prefix: string }>,
  result: IngestResult,
): Promise<ChainRow[]> {
  const ids = [...byChain.keys()].sort();
  const select = (which: string[]) =>
    tx.query<ChainRow>(
      `SELECT ${CHAIN_COLUMNS} FROM hub_doors WHERE door = ANY($1::text[]) ORDER BY door FOR UPDATE`,
      [which],
    );
  const rows = await select(ids);
  if (rows.length === ids.length) return rows;
  const have = new Set(rows.map((r) => r.door));
  const missing = ids.filter((id) => !have.has(id));
  const created = await tx.query<{ door: string }>(
    `INSERT INTO hub_doors (door, prefix) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (door) DO NOTHING RETURNING door`,
    [missing, missing.map((d) => byChain.get(d)?.prefix)],
  );
  for (const c of created)
    result.alerts.push({ door: c.door, kind: "new_door", seq: null, detail: { status: "pending" } });
  return [...rows, ...(await select(missing))].sort((a, b) => (a.door < b.door ? -1 : 1));
}

/**
 * The links the checks compare with: the chain row's last hash, and, for chains receiving
 * events at or below their last seq, the stored rows at those seqs and their neighbours (one
 * index range per chain; LATERAL keeps it an index scan however big the table grows).
 */
async function heldLinks(
  tx: Sql,
  chains: ChainRow[],
  byChain: Map<string, { events: HubEvent[] }>,
): Promise<Map<string, Map<number, Link>>> {
  const held = new Map<string, Map<number, Link>>();
  for (const c of chains) held.set(c.door, new Map());
  const ranges: Array<{ chain: string; lo: number; hi: number }> = [];
  for (const c of chains) {
    const events = byChain.get(c.door)?.events ?? [];
    let lo = Number.POSITIVE_INFINITY;
    let hi = Number.NEGATIVE_INFINITY;
    for (const e of events) {
      lo = Math.min(lo, e.seq - 1);
      hi = Math.max(hi, e.seq + 1);
    }
    const unknownLast = c.last_hash === null && c.last_seq > c.checkpoint_seq;
    if (lo < c.last_seq || unknownLast) ranges.push({ chain: c.door, lo, hi: Math.min(hi, c.last_seq) });
    if (c.last_hash !== null) held.get(c.door)?.set(c.last_seq, { hash: c.last_hash, prevHash: null });
  }
  if (ranges.length === 0) return held;
  for (const r of await tx.query<{ chain: string; seq: number; hash: string; prev_hash: string }>(
    `SELECT r.chain, e.seq, e.hash, e.prev_hash
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(chain, lo, hi)
     CROSS JOIN LATERAL (SELECT seq, hash, prev_hash FROM hub_events h
                         WHERE h.chain = r.chain AND h.seq BETWEEN r.lo AND r.hi ORDER BY seq, ts) e`,
    [ranges.map((r) => r.chain), ranges.map((r) => r.lo), ranges.map((r) => r.hi)],
  )) {
    const links = held.get(r.chain);
    const known = links?.get(r.seq);
    if (!known || known.prevHash === null) links?.set(r.seq, { hash: r.hash, prevHash: r.prev_hash });
  }
  return held;
}

function checkChain(
  chain: ChainRow,
  events: HubEvent[],
  held: Map<number, Link>,
  toInsert: Array<HubEvent & { chain: string }>,
  result: IngestResult,
  nowMs: number,
): void {
  const raise = (kind: HubAlert["kind"], seq: number, detail: Record<string, unknown>) => {
    result.alerts.push({ door: chain.door, kind, seq, detail });
    if (kind === "gap") {
      if (chain.chain_state === "ok") chain.chain_state = "gap";
      return;
    }
    if (chain.chain_state !== "fork" && chain.chain_state !== "rewind") chain.chain_state = kind;
    else if (kind === "rewind") chain.chain_state = "rewind";
    if (kind !== "bad_hash") chain.state_seq = Math.min(chain.state_seq ?? seq, seq);
  };
  const lastTsMs = chain.last_ts?.getTime() ?? Number.NEGATIVE_INFINITY;
  const doors = new Set(chain.doors);
  let askedFrom: number | null = null;
  let newestTsMs: number | null = null;
  for (const e of events) {
    doors.add(e.door);
    const same = held.get(e.seq);
    if (same) {
      if (same.hash === e.hash) {
        result.duplicates++;
        continue;
      }
      // The hub holds another row under this seq: the log was rewritten from here.
      raise("fork", e.seq, { held_hash: same.hash, door_hash: e.hash });
      if (e.tsMs > lastTsMs && e.seq <= chain.last_seq)
        raise("rewind", e.seq, { last_seq: chain.last_seq, ts: new Date(e.tsMs).toISOString() });
      continue;
    }
    if (e.seq <= chain.checkpoint_seq) {
      result.duplicates++; // purged by retention: nothing to compare it with any more
      continue;
    }
    // Across a retention purge the previous row is gone; its checkpoint still holds its hash.
    const prev =
      held.get(e.seq - 1) ??
      (e.seq - 1 === chain.checkpoint_seq && chain.checkpoint_hash
        ? { hash: chain.checkpoint_hash, prevHash: null }
        : undefined);
    const next = held.get(e.seq + 1);
    let broken = false;
    if (prev && prev.hash !== e.prevHash) {
      raise("fork", e.seq - 1, { held_hash: prev.hash, door_prev_hash: e.prevHash, at: e.seq });
      broken = true;
    }
    if (next && next.prevHash !== null && next.prevHash !== e.hash) {
      raise("fork", e.seq, { held_next_prev_hash: next.prevHash, door_hash: e.hash });
      broken = true;
    }
    if (broken && askedFrom === null) {
      // Ask for what came before, so the re-sent rows show where the two versions part.
      askedFrom = Math.max(chain.checkpoint_seq + 1, e.seq - FORK_SEARCH_WINDOW);
      result.resends.push({ door: chain.door, prefix: chain.prefix, fromSeq: askedFrom });
    }
    if (e.seq > chain.last_seq + 1) {
      raise("gap", chain.last_seq + 1, { missing_from: chain.last_seq + 1, missing_to: e.seq - 1 });
      if (askedFrom === null) {
        askedFrom = chain.last_seq + 1;
        result.resends.push({ door: chain.door, prefix: chain.prefix, fromSeq: askedFrom });
      }
    }
    held.set(e.seq, { hash: e.hash, prevHash: e.prevHash });
    toInsert.push({ ...e, chain: chain.door });
    if (e.seq > chain.last_seq) {
      chain.last_seq = e.seq;
      chain.last_hash = e.hash;
      newestTsMs = e.tsMs;
    }
  }
  if (newestTsMs !== null) {
    chain.last_ts = new Date(newestTsMs);
    chain.lag_ms = nowMs - newestTsMs;
  }
  chain.doors = [...doors].sort();
}

/** One UPDATE for every chain of the batch; a chain in gap state first checks whether its gap has closed. */
async function saveChains(tx: Sql, chains: ChainRow[], nowMs: number): Promise<void> {
  for (const c of chains) {
    if (c.chain_state !== "gap") continue;
    // A gap closes once every seq after the checkpoint up to the last is held.
    const [row] = await tx.query<{ n: number }>(
      "SELECT count(*)::bigint AS n FROM hub_events WHERE chain = $1 AND seq > $2 AND seq <= $3",
      [c.door, c.checkpoint_seq, c.last_seq],
    );
    if (row && row.n === c.last_seq - c.checkpoint_seq) c.chain_state = "ok";
  }
  await tx.query(
    `UPDATE hub_doors d SET last_seq = u.last_seq, last_hash = u.last_hash, last_ts = u.last_ts,
       chain_state = u.chain_state, state_seq = u.state_seq, last_seen = $2,
       lag_ms = COALESCE(u.lag_ms, d.lag_ms), doors = u.doors
     FROM json_to_recordset($1::json) AS u(door text, last_seq bigint, last_hash text, last_ts timestamptz,
       chain_state text, state_seq bigint, lag_ms bigint, doors text[])
     WHERE d.door = u.door`,
    [
      JSON.stringify(
        chains.map((c) => ({
          door: c.door,
          last_seq: c.last_seq,
          last_hash: c.last_hash,
          last_ts: c.last_ts?.toISOString() ?? null,
          chain_state: c.chain_state,
          state_seq: c.state_seq,
          lag_ms: c.lag_ms ?? null,
          doors: c.doors,
        })),
      ),
      new Date(nowMs).toISOString(),
    ],
  );
}

export async function storeAlerts(tx: Sql, alerts: HubAlert[]): Promise<void> {
  if (alerts.length === 0) return;
  await tx.query(
    `INSERT INTO hub_alerts (door, kind, seq, detail)
     SELECT * FROM unnest($1::text[], $2::text[], $3::bigint[], $4::text[])`,
    [
      alerts.map((a) => a.door),
      alerts.map((a) => a.kind),
      alerts.map((a) => a.seq),
      alerts.map((a) => (a.detail ? JSON.stringify(a.detail) : null)),
    ],
  );
}
