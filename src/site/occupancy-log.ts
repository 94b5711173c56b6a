import type { LocalTimeConverter } from "../access/local-time.js";
import type { Db } from "../store/open-database.js";
import type { PassageDirection } from "./door-rules.js";
import { lastDailyForgiveMs, type OccupancyEvent, OccupancyState, type Occupant } from "./occupancy.js";

/** The audit reason of `doorward passback forgive USER`. */
export const PASSBACK_FORGIVEN = "passback_forgiven";

interface Row {
  seq: number;
  ts_ms: number;
  door: string;
  reason: string;
  user_code: string | null;
  direction: PassageDirection | null;
  second_user_code: string | null;
  forgive_door: string | null;
}

/**
 * Occupancy kept as a fold over the audit log, which is its only store: at start it reads the
 * log (from the earliest daily forgive time when every door has one, so a year of history is not
 * scanned), then before each read it folds only the rows appended since (a primary-key range
 * read, usually empty). Rows written by another process (`doorward passback forgive` from the
 * CLI) are therefore seen at the very next attempt, and a restart rebuilds the same state.
 */
export class OccupancyLog {
  private readonly state = new OccupancyState();
  private lastSeq = 0;
  private started = false;
  private readonly since;
  private readonly after;
  private readonly maxSeq;

  constructor(
    db: Db,
    /** Per door: the daily forgive time (minutes since local midnight), or null for none. */
    private readonly forgiveAt: ReadonlyMap<string, number | null>,
    private readonly local: LocalTimeConverter,
  ) {
    // Two branches, each matching its partial index (migration 9) term for term.
    const columns = `seq, ts_ms, door, reason, user_code,
        json_extract(detail, '$.direction') AS direction,
        json_extract(detail, '$.second_user_code') AS second_user_code,
        json_extract(detail, '$.door') AS forgive_door`;
    const query = (bound: string) =>
      `SELECT ${columns} FROM audit_events INDEXED BY audit_events_passages
         WHERE kind = 'access' AND outcome = 'granted' AND json_extract(detail, '$.direction') IS NOT NULL AND ${bound}
       UNION ALL
       SELECT ${columns} FROM audit_events INDEXED BY audit_events_forgiven
         WHERE reason = '${PASSBACK_FORGIVEN}' AND ${bound}
       ORDER BY seq`;
    this.since = db.prepare<[number, number], Row>(query("ts_ms >= ?"));
    this.after = db.prepare<[number, number], Row>(query("seq > ?"));
    this.maxSeq = db.prepare<[], number>("SELECT coalesce(max(seq), 0) FROM audit_events").pluck();
  }

  /** The last daily forgive instant of this door at `nowMs` (0 when it has none). */
  boundary(door: string, nowMs: number): number {
    const at = this.forgiveAt.get(door);
    if (at === null || at === undefined) return 0;
    return lastDailyForgiveMs(nowMs, this.local.at(nowMs).minute, at);
  }

  isInside(door: string, userCode: string, nowMs: number): boolean {
    this.catchUp(nowMs);
    return this.state.isInside(door, userCode, this.boundary(door, nowMs));
  }

  occupants(door: string, nowMs: number): Occupant[] {
    this.catchUp(nowMs);
    return this.state.occupants(door, this.boundary(door, nowMs));
  }

  /** Folds the rows appended since the last read (all relevant rows on the first). */
  catchUp(nowMs: number): void {
    let rows: Row[];
    if (!this.started) {
      const bounds = [...this.forgiveAt.keys()].map((d) => this.boundary(d, nowMs));
      const from = bounds.length > 0 && bounds.every((b) => b > 0) ? Math.min(...bounds) : 0;
      // Read the head first: a row appended between the two reads is folded next time, never twice.
      const head = this.maxSeq.get() ?? 0;
      rows = this.since.all(from, from).filter((r) => r.seq <= head);
      this.lastSeq = head;
      this.started = true;
    } else {
      rows = this.after.all(this.lastSeq, this.lastSeq);
    }
    for (const r of rows) {
      const event = toEvent(r);
      if (event) this.state.apply(event);
      if (r.seq > this.lastSeq) this.lastSeq = r.seq;
    }
  }
}

function toEvent(r: Row): OccupancyEvent | null {
  if (r.reason === PASSBACK_FORGIVEN) {
    return r.user_code
      ? { type: "forgiven", tsMs: r.ts_ms, door: r.forgive_door, userCode: r.user_code }
      : null;
  }
  if (r.direction !== "in" && r.direction !== "out") return null;
  const userCodes = [r.user_code, r.second_user_code].filter((c): c is string => typeof c === "string");
  return { type: "passage", tsMs: r.ts_ms, door: r.door, direction: r.direction, userCodes };
}
