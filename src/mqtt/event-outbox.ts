import type { KeyValueStore } from "../store/key-value-store.js";
import type { Db } from "../store/open-database.js";

export const PUBLISHED_SEQ_KEY = "mqtt:published_seq";

/**
 * The `event` payload: the audit row with its chain hashes, so any subscriber (the audit hub)
 * can check the chain. Names, PINs and badge numbers never appear.
 */
export interface EventPayload {
  seq: number;
  ts: string;
  door: string;
  kind: string;
  credential: string | null;
  outcome: string | null;
  reason: string;
  user_code: string | null;
  detail: Record<string, unknown> | null;
  prev_hash: string;
  hash: string;
}

interface Row {
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

/**
 * audit_events is the outbox: nothing is copied. The cursor is the highest seq the broker has
 * acknowledged (with everything before it); rows after it are still to send. The cursor may lag
 * the truth after a crash, which re-sends a few events (consumers de-duplicate by seq), but it
 * never runs ahead of an acknowledgement, so nothing is lost.
 */
export class EventOutbox {
  private readonly after;

  constructor(
    db: Db,
    private readonly kv: KeyValueStore,
  ) {
    this.after = db.prepare<[number, number], Row>(
      "SELECT seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash FROM audit_events WHERE seq > ? ORDER BY seq LIMIT ?",
    );
  }

  cursor(): number {
    return this.kv.getJson<number>(PUBLISHED_SEQ_KEY) ?? 0;
  }

  saveCursor(seq: number): void {
    this.kv.setJson(PUBLISHED_SEQ_KEY, seq);
  }

  /** Up to `limit` events after `seq`, in order. */
  next(seq: number, limit: number): EventPayload[] {
    return this.after.all(seq, limit).map((r) => ({
      seq: r.seq,
      ts: new Date(r.ts_ms).toISOString(),
      door: r.door,
      kind: r.kind,
      credential: r.credential,
      outcome: r.outcome,
      reason: r.reason,
      user_code: r.user_code,
      detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
      prev_hash: r.prev_hash,
      hash: r.hash,
    }));
  }
}

/** The Home Assistant event type of an event, if it is one the event entity announces. */
export function haEventType(e: EventPayload): string | null {
  if (e.kind === "access" && e.outcome === "granted") return "access_granted";
  if (e.kind === "access" && e.outcome === "denied") return "access_denied";
  if (e.reason === "door_forced" || e.reason === "door_held_open") return e.reason;
  return null;
}
