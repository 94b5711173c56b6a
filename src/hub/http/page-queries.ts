import { type EventFilter, eventFilterWhere, HUB_EVENT_COLUMNS, type HubEventRow } from "../hub-queries.js";
import type { Sql } from "../store/hub-store.js";

/** Where a page of events ends: the next page starts after this (ts, door, seq). */
export interface EventCursor {
  ts: string;
  door: string;
  seq: number;
}

export function encodeCursor(c: EventCursor): string {
  return Buffer.from(JSON.stringify([c.ts, c.door, c.seq])).toString("base64url");
}

export function decodeCursor(text: string): EventCursor | null {
  try {
    const [ts, door, seq] = JSON.parse(Buffer.from(text, "base64url").toString("utf8")) as unknown[];
    if (typeof ts !== "string" || Number.isNaN(Date.parse(ts))) return null;
    if (typeof door !== "string" || typeof seq !== "number" || !Number.isSafeInteger(seq)) return null;
    return { ts, door, seq };
  } catch {
    return null;
  }
}

/**
 * One page of the search, in the CLI's order (ts, door, seq), keyset-paged: a page deep into
 * millions of rows costs what the first one does (the ts index), unlike OFFSET.
 */
export async function eventsPage(
  sql: Sql,
  filter: EventFilter,
  after: EventCursor | null,
  limit: number,
): Promise<{ rows: HubEventRow[]; next: EventCursor | null }> {
  const { sql: where, params } = eventFilterWhere(filter);
  let clause = where;
  if (after) {
    params.push(after.ts, after.door, after.seq);
    const n = params.length;
    clause = `${where ? `${where} AND` : "WHERE"} (ts, door, seq) > ($${n - 2}, $${n - 1}, $${n})`;
  }
  params.push(limit + 1);
  const found = await sql.query<Omit<HubEventRow, "ts"> & { ts: Date }>(
    `SELECT ${HUB_EVENT_COLUMNS.join(", ")} FROM hub_events ${clause}
     ORDER BY ts, door, seq LIMIT $${params.length}`,
    params,
  );
  const rows = found.slice(0, limit).map((r) => ({ ...r, ts: r.ts.toISOString() }));
  const last = rows.at(-1);
  return {
    rows,
    next: found.length > limit && last ? { ts: last.ts, door: last.door, seq: last.seq } : null,
  };
}

/** Every matching event, page by page (an export never holds the whole result in memory). */
export async function* allEvents(sql: Sql, filter: EventFilter, chunk = 5000): AsyncGenerator<HubEventRow[]> {
  let after: EventCursor | null = null;
  for (;;) {
    const page = await eventsPage(sql, filter, after, chunk);
    if (page.rows.length) yield page.rows;
    if (!page.next) return;
    after = page.next;
  }
}

export interface HourCount {
  door: string;
  /** The hour's start, UTC, ISO 8601. */
  hour: string;
  entries: number;
  denials: number;
}

/**
 * Entries (granted) and denials per door per hour, counted by the database (date_trunc in UTC,
 * so the hours are the same whatever the server's time zone); only hours with events come back.
 */
export async function entriesPerHour(sql: Sql, filter: EventFilter): Promise<HourCount[]> {
  const { sql: where, params } = eventFilterWhere(filter);
  const rows = await sql.query<{ door: string; hour: Date; entries: number; denials: number }>(
    `SELECT door, date_trunc('hour', ts, 'UTC') AS hour,
            count(*) FILTER (WHERE outcome = 'granted')::bigint AS entries,
            count(*) FILTER (WHERE outcome = 'denied')::bigint AS denials
     FROM hub_events ${where}
     GROUP BY door, hour ORDER BY door, hour`,
    params,
  );
  return rows.map((r) => ({
    door: r.door,
    hour: r.hour.toISOString(),
    entries: r.entries,
    denials: r.denials,
  }));
}

export interface AlertRow {
  id: number;
  ts: string;
  door: string;
  kind: string;
  seq: number | null;
  detail: unknown;
}

/** The newest alerts first (gap, fork, rewind, head and payload problems, new doors). */
export async function listAlerts(
  sql: Sql,
  f: { door?: string; kind?: string; limit: number },
): Promise<AlertRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  if (f.door) where.push(`door = $${params.push(f.door)}`);
  if (f.kind) where.push(`kind = $${params.push(f.kind)}`);
  params.push(f.limit);
  const rows = await sql.query<{
    id: number;
    ts: Date;
    door: string;
    kind: string;
    seq: number | null;
    detail: string | null;
  }>(
    `SELECT id, ts, door, kind, seq, detail FROM hub_alerts ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
     ORDER BY id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...r, ts: r.ts.toISOString(), detail: parseDetail(r.detail) }));
}

function parseDetail(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
