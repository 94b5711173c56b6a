import type { HubAlert, ResendRequest } from "./alerts.js";
import type { HubEvent } from "./event-payload.js";
import type { Sql } from "./store/hub-store.js";
import { ensureMonthPartitions, monthOf } from "./store/migrations.js";

export interface IncomingEvent {
  event: HubEvent;
  /** The door's topic prefix (P in P/event): where a resend request goes. */
  prefix: string;
}

export interface IngestResult {
  stored: number;
  duplicates: number;
  alerts: HubAlert[];
  resends: ResendRequest[];
}

interface DoorRow {
  door: string;
  prefix: string;
  last_seq: number;
  last_ts: Date | null;
  chain_state: string;
  state_seq: number | null;
  checkpoint_seq: number;
  checkpoint_hash: string | null;
}

interface Link {
  hash: string;
  prevHash: string;
  tsMs: number;
}

/** How far back a broken link makes the hub ask for a re-send, to find the first differing seq. */
const FORK_SEARCH_WINDOW = 10_000;

/**
 * Stores one batch in the caller's transaction and checks each door's chain on the way:
 * duplicates are dropped, a seq already held with another hash is a fork (the hub keeps the
 * first version it saw: that is the evidence), a link that does not match its neighbour is a
 * fork, seqs jumping forward are a gap (re-send asked from the first missing one), and a fork
 * carrying newer events than the door's last is a rewind. Door rows are locked (FOR UPDATE, in
 * door order) so hubs sharing a subscription check each chain one batch at a time.
 */
export async function ingestBatch(tx: Sql, batch: IncomingEvent[], nowMs: number): Promise<IngestResult> {
  const result: IngestResult = { stored: 0, duplicates: 0, alerts: [], resends: [] };
  if (batch.length === 0) return result;
  const prefixes = new Map<string, string>();
  for (const b of batch) prefixes.set(b.event.door, b.prefix);
  const doorIds = [...prefixes.keys()].sort();
  const created = await tx.query<{ door: string }>(
    `INSERT INTO hub_doors (door, prefix) SELECT * FROM unnest($1::text[], $2::text[])
     ON CONFLICT (door) DO NOTHING RETURNING door`,
    [doorIds, doorIds.map((d) => prefixes.get(d))],
  );
  for (const c of created)
    result.alerts.push({ door: c.door, kind: "new_door", seq: null, detail: { status: "pending" } });
  const doors = await tx.query<DoorRow>(
    `SELECT door, prefix, last_seq, last_ts, chain_state, state_seq, checkpoint_seq, checkpoint_hash FROM hub_doors
     WHERE door = ANY($1::text[]) ORDER BY door FOR UPDATE`,
    [doorIds],
  );
  await ensureMonthPartitions(tx, [...new Set(batch.map((b) => monthOf(b.event.tsMs)))].sort());

  // Everything the hub already holds at these seqs and their neighbours, for the link checks:
  // one index range per door (LATERAL keeps it an index scan however big the table grows).
  const ranges = new Map<string, { lo: number; hi: number }>();
  for (const { event: e } of batch) {
    const r = ranges.get(e.door);
    ranges.set(e.door, { lo: Math.min(r?.lo ?? e.seq, e.seq - 1), hi: Math.max(r?.hi ?? e.seq, e.seq + 1) });
  }
  const held = new Map<string, Link>();
  for (const r of await tx.query<{ door: string; seq: number; hash: string; prev_hash: string; ts: Date }>(
    `SELECT r.door, e.seq, e.hash, e.prev_hash, e.ts
     FROM unnest($1::text[], $2::bigint[], $3::bigint[]) AS r(door, lo, hi)
     CROSS JOIN LATERAL (SELECT seq, hash, prev_hash, ts FROM hub_events h
                         WHERE h.door = r.door AND h.seq BETWEEN r.lo AND r.hi) e`,
    [[...ranges.keys()], [...ranges.values()].map((r) => r.lo), [...ranges.values()].map((r) => r.hi)],
  ))
    if (!held.has(`${r.door}\0${r.seq}`))
      held.set(`${r.door}\0${r.seq}`, { hash: r.hash, prevHash: r.prev_hash, tsMs: r.ts.getTime() });

  const toInsert: HubEvent[] = [];
  for (const door of doors) {
    const events = batch
      .map((b) => b.event)
      .filter((e) => e.door === door.door)
      .sort((a, b) => a.seq - b.seq);
    checkDoor(door, events, held, toInsert, result, nowMs);
  }
  if (toInsert.length > 0) {
    const inserted = await tx.query<{ seq: number }>(
      `INSERT INTO hub_events (door, seq, ts, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
       SELECT * FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::text[], $6::text[],
                            $7::text[], $8::text[], $9::text[], $10::text[], $11::text[])
       ON CONFLICT DO NOTHING RETURNING seq`,
      [
        toInsert.map((e) => e.door),
        toInsert.map((e) => e.seq),
        toInsert.map((e) => new Date(e.tsMs).toISOString()),
        toInsert.map((e) => e.kind),
        toInsert.map((e) => e.credential),
        toInsert.map((e) => e.outcome),
        toInsert.map((e) => e.reason),
        toInsert.map((e) => e.userCode),
        toInsert.map((e) => e.detail),
        toInsert.map((e) => e.prevHash),
        toInsert.map((e) => e.hash),
      ],
    );
    result.stored = inserted.length;
    result.duplicates += toInsert.length - inserted.length;
  }
  await saveDoors(tx, doors, nowMs);
  await storeAlerts(tx, result.alerts);
  return result;
}

function checkDoor(
  door: DoorRow,
  events: HubEvent[],
  held: Map<string, Link>,
  toInsert: HubEvent[],
  result: IngestResult,
  nowMs: number,
): void {
  const key = (seq: number) => `${door.door}\0${seq}`;
  const raise = (kind: HubAlert["kind"], seq: number, detail: Record<string, unknown>) => {
    result.alerts.push({ door: door.door, kind, seq, detail });
    if (kind === "gap") {
      if (door.chain_state === "ok") door.chain_state = "gap";
      return;
    }
    if (door.chain_state !== "fork" && door.chain_state !== "rewind") door.chain_state = kind;
    else if (kind === "rewind") door.chain_state = "rewind";
    if (kind !== "bad_hash") door.state_seq = Math.min(door.state_seq ?? seq, seq);
  };
  const lastTsMs = door.last_ts?.getTime() ?? Number.NEGATIVE_INFINITY;
  let askedFrom: number | null = null;
  for (const e of events) {
    const same = held.get(key(e.seq));
    if (same) {
      if (same.hash === e.hash) {
        result.duplicates++;
        continue;
      }
      // The hub holds another row under this seq: the door's log was rewritten from here.
      raise("fork", e.seq, { held_hash: same.hash, door_hash: e.hash });
      if (e.tsMs > lastTsMs && e.seq <= door.last_seq)
        raise("rewind", e.seq, { last_seq: door.last_seq, ts: new Date(e.tsMs).toISOString() });
      continue;
    }
    if (e.seq <= door.checkpoint_seq) {
      result.duplicates++; // purged by retention: nothing to compare it with any more
      continue;
    }
    // Across a retention purge the previous row is gone; its checkpoint still holds its hash.
    const prev =
      held.get(key(e.seq - 1)) ??
      (e.seq - 1 === door.checkpoint_seq && door.checkpoint_hash
        ? { hash: door.checkpoint_hash, prevHash: "", tsMs: 0 }
        : undefined);
    const next = held.get(key(e.seq + 1));
    let broken = false;
    if (prev && prev.hash !== e.prevHash) {
      raise("fork", e.seq - 1, { held_hash: prev.hash, door_prev_hash: e.prevHash, at: e.seq });
      broken = true;
    }
    if (next && next.prevHash !== e.hash) {
      raise("fork", e.seq, { held_next_prev_hash: next.prevHash, door_hash: e.hash });
      broken = true;
    }
    if (broken && askedFrom === null) {
      // Ask for what came before, so the re-sent rows show where the two versions part.
      askedFrom = Math.max(door.checkpoint_seq + 1, e.seq - FORK_SEARCH_WINDOW);
      result.resends.push({ door: door.door, prefix: door.prefix, fromSeq: askedFrom });
    }
    if (e.seq > door.last_seq + 1) {
      raise("gap", door.last_seq + 1, { missing_from: door.last_seq + 1, missing_to: e.seq - 1 });
      if (askedFrom === null) {
        askedFrom = door.last_seq + 1;
        result.resends.push({ door: door.door, prefix: door.prefix, fromSeq: askedFrom });
      }
    }
    held.set(key(e.seq), { hash: e.hash, prevHash: e.prevHash, tsMs: e.tsMs });
    toInsert.push(e);
    if (e.seq > door.last_seq) {
      door.last_seq = e.seq;
      door.last_ts = new Date(e.tsMs);
      (door as DoorRow & { lag_ms?: number }).lag_ms = nowMs - e.tsMs;
    }
  }
}

/** One UPDATE for every door of the batch; a door in gap state first checks whether its gap has closed. */
async function saveDoors(tx: Sql, doors: DoorRow[], nowMs: number): Promise<void> {
  for (const door of doors) {
    if (door.chain_state !== "gap") continue;
    // A gap closes once every seq after the checkpoint up to the last is held.
    const [row] = await tx.query<{ n: number }>(
      "SELECT count(*)::bigint AS n FROM hub_events WHERE door = $1 AND seq > $2 AND seq <= $3",
      [door.door, door.checkpoint_seq, door.last_seq],
    );
    if (row && row.n === door.last_seq - door.checkpoint_seq) door.chain_state = "ok";
  }
  await tx.query(
    `UPDATE hub_doors d SET last_seq = u.last_seq, last_ts = u.last_ts, chain_state = u.chain_state,
       state_seq = u.state_seq, last_seen = $7, lag_ms = COALESCE(u.lag_ms, d.lag_ms)
     FROM unnest($1::text[], $2::bigint[], $3::timestamptz[], $4::text[], $5::bigint[], $6::bigint[])
       AS u(door, last_seq, last_ts, chain_state, state_seq, lag_ms)
     WHERE d.door = u.door`,
    [
      doors.map((d) => d.door),
      doors.map((d) => d.last_seq),
      doors.map((d) => d.last_ts?.toISOString() ?? null),
      doors.map((d) => d.chain_state),
      doors.map((d) => d.state_seq),
      doors.map((d) => (d as DoorRow & { lag_ms?: number }).lag_ms ?? null),
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
