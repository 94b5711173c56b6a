import type { HubStore } from "./store/hub-store.js";

export interface EventFilter {
  door?: string;
  user?: string;
  sinceMs?: number;
  untilMs?: number;
  reason?: string;
  limit?: number;
}

export interface HubEventRow {
  ts: string;
  door: string;
  seq: number;
  kind: string;
  credential: string | null;
  outcome: string | null;
  reason: string;
  user_code: string | null;
  detail: string | null;
  hash: string;
}

export const HUB_EVENT_COLUMNS = [
  "ts",
  "door",
  "seq",
  "kind",
  "credential",
  "outcome",
  "reason",
  "user_code",
  "detail",
  "hash",
] as const;

/**
 * The WHERE clause for a filter, numbered from $1 (the CLI's query, the auditor page's search,
 * export and chart all filter the same way).
 */
export function eventFilterWhere(f: EventFilter): { sql: string; params: unknown[] } {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace("?", `$${params.length}`));
  };
  if (f.door) {
    add("door = ?", f.door);
    // Through the chains that door is on, so the (chain, seq, ts) key serves the lookup.
    where.push(`chain IN (SELECT c.door FROM hub_doors c WHERE $${params.length} = ANY(c.doors))`);
  }
  if (f.user) add("user_code = ?", f.user);
  if (f.reason) add("reason = ?", f.reason);
  if (f.sinceMs !== undefined) add("ts >= ?", new Date(f.sinceMs).toISOString());
  if (f.untilMs !== undefined) add("ts < ?", new Date(f.untilMs).toISOString());
  return { sql: where.length ? `WHERE ${where.join(" AND ")}` : "", params };
}

/** What an auditor asks: events across doors by door, user code, time and reason. Pseudonymous: codes only. */
export async function queryEvents(store: HubStore, f: EventFilter): Promise<HubEventRow[]> {
  const { sql, params } = eventFilterWhere(f);
  params.push(f.limit ?? 100_000);
  const rows = await store.query<Omit<HubEventRow, "ts"> & { ts: Date }>(
    `SELECT ${HUB_EVENT_COLUMNS.join(", ")} FROM hub_events
     ${sql} ORDER BY ts, door, seq LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...r, ts: r.ts.toISOString() }));
}

export interface DoorSummary {
  door: string;
  status: string;
  last_seen: string | null;
  last_seq: number;
  chain_state: string;
  state_seq: number | null;
  lag_ms: number | null;
  online: boolean;
  head_seq: number | null;
  head_verified: boolean;
  /** The doors whose rows are on this chain (a controller with several doors has one chain). */
  doors: string[];
}

export async function listDoors(store: HubStore): Promise<DoorSummary[]> {
  const rows = await store.query<Omit<DoorSummary, "last_seen"> & { last_seen: Date | null }>(
    `SELECT door, status, last_seen, last_seq, chain_state, state_seq, lag_ms, online, head_seq, head_verified, doors
     FROM hub_doors ORDER BY door`,
  );
  return rows.map((r) => ({ ...r, last_seen: r.last_seen?.toISOString() ?? null }));
}

export { type ChainVerdict, verifyChains } from "./hub-verify.js";

/** Enrols a door's device key (SPKI PEM): its signed heads are verified from now on. */
export async function enrolDoor(
  store: HubStore,
  door: string,
  publicKeyPem: string,
  prefix: string,
): Promise<void> {
  await store.query(
    `INSERT INTO hub_doors (door, prefix, status, public_key) VALUES ($1, $2, 'enrolled', $3)
     ON CONFLICT (door) DO UPDATE SET status = 'enrolled', public_key = EXCLUDED.public_key`,
    [door, prefix, publicKeyPem],
  );
}

/** An admin approves a door first seen on the broker (status pending → approved). */
export async function approveDoor(store: HubStore, door: string): Promise<boolean> {
  const rows = await store.query<{ door: string }>(
    "UPDATE hub_doors SET status = CASE WHEN public_key IS NULL THEN 'approved' ELSE 'enrolled' END WHERE door = $1 RETURNING door",
    [door],
  );
  return rows.length > 0;
}
