import { KeyValueStore } from "./key-value-store.js";
import type { Db } from "./open-database.js";

const LIBRARY_SIZE_KEY = "fingerprint.library_size";

export type SensorRequestKind = "enroll" | "check";
export type SensorRequestState = "requested" | "running" | "done" | "failed";

export interface SensorRequest {
  id: number;
  kind: SensorRequestKind;
  /** null for a check, or when the user was removed while the request waited. */
  userId: number | null;
  slot: number | null;
  state: SensorRequestState;
  prompts: string[];
  result: Record<string, unknown> | null;
  error: string | null;
  actor: string;
  requestedMs: number;
  updatedMs: number;
}

interface Row {
  id: number;
  kind: SensorRequestKind;
  user_id: number | null;
  slot: number | null;
  state: SensorRequestState;
  prompts: string;
  result: string | null;
  error: string | null;
  actor: string;
  requested_ms: number;
  updated_ms: number;
}

const toRequest = (r: Row): SensorRequest => ({
  id: r.id,
  kind: r.kind,
  userId: r.user_id,
  slot: r.slot,
  state: r.state,
  prompts: JSON.parse(r.prompts) as string[],
  result: r.result ? (JSON.parse(r.result) as Record<string, unknown>) : null,
  error: r.error,
  actor: r.actor,
  requestedMs: r.requested_ms,
  updatedMs: r.updated_ms,
});

/**
 * The CLI ↔ service channel for work that needs the fingerprint sensor (which only the running
 * service may talk to), and the queue of slots to delete on it. Both sides open the same SQLite
 * file; every method is one short statement or transaction.
 */
export class SensorRequestStore {
  private readonly kv: KeyValueStore;
  private librarySizeNoted = -1;

  constructor(private readonly db: Db) {
    this.kv = new KeyValueStore(db);
  }

  /** The service notes the sensor's library size, so the CLI can refuse a slot beyond it at once. */
  noteLibrarySize(size: number): void {
    if (size === this.librarySizeNoted) return;
    this.librarySizeNoted = size;
    this.kv.setJson(LIBRARY_SIZE_KEY, size);
  }

  /** The library size the sensor last reported, or null before the service ever reached it. */
  librarySize(): number | null {
    return this.kv.getJson<number>(LIBRARY_SIZE_KEY) ?? null;
  }

  request(
    kind: SensorRequestKind,
    opts: { userId?: number; slot?: number | null; actor: string },
    nowMs: number,
  ): number {
    const info = this.db
      .prepare(
        "INSERT INTO sensor_requests (kind, user_id, slot, actor, requested_ms, updated_ms) VALUES (?, ?, ?, ?, ?, ?)",
      )
      .run(kind, opts.userId ?? null, opts.slot ?? null, opts.actor, nowMs, nowMs);
    return Number(info.lastInsertRowid);
  }

  get(id: number): SensorRequest | undefined {
    const row = this.db.prepare<[number], Row>("SELECT * FROM sensor_requests WHERE id = ?").get(id);
    return row ? toRequest(row) : undefined;
  }

  /** Claims the oldest waiting request (requested -> running), or undefined. */
  claimNext(nowMs: number): SensorRequest | undefined {
    return this.db
      .transaction(() => {
        const row = this.db
          .prepare<[], Row>("SELECT * FROM sensor_requests WHERE state = 'requested' ORDER BY id LIMIT 1")
          .get();
        if (!row) return undefined;
        this.db
          .prepare("UPDATE sensor_requests SET state = 'running', updated_ms = ? WHERE id = ?")
          .run(nowMs, row.id);
        return toRequest({ ...row, state: "running", updated_ms: nowMs });
      })
      .immediate();
  }

  setSlot(id: number, slot: number, nowMs: number): void {
    this.db.prepare("UPDATE sensor_requests SET slot = ?, updated_ms = ? WHERE id = ?").run(slot, nowMs, id);
  }

  addPrompt(id: number, prompt: string, nowMs: number): void {
    this.db
      .prepare(
        "UPDATE sensor_requests SET prompts = json_insert(prompts, '$[#]', ?), updated_ms = ? WHERE id = ?",
      )
      .run(prompt, nowMs, id);
  }

  finish(id: number, outcome: { result: Record<string, unknown> } | { error: string }, nowMs: number): void {
    if ("error" in outcome) {
      this.db
        .prepare("UPDATE sensor_requests SET state = 'failed', error = ?, updated_ms = ? WHERE id = ?")
        .run(outcome.error, nowMs, id);
    } else {
      this.db
        .prepare("UPDATE sensor_requests SET state = 'done', result = ?, updated_ms = ? WHERE id = ?")
        .run(JSON.stringify(outcome.result), nowMs, id);
    }
  }

  /** The CLI gives up on a request nobody picked up; false if the service claimed it meanwhile. */
  abandon(id: number, error: string, nowMs: number): boolean {
    return (
      this.db
        .prepare(
          "UPDATE sensor_requests SET state = 'failed', error = ?, updated_ms = ? WHERE id = ? AND state = 'requested'",
        )
        .run(error, nowMs, id).changes === 1
    );
  }

  /** At service start: work interrupted by a restart will not resume. */
  failInterrupted(nowMs: number): number {
    return this.db
      .prepare(
        "UPDATE sensor_requests SET state = 'failed', error = 'controller restarted', updated_ms = ? WHERE state = 'running'",
      )
      .run(nowMs).changes;
  }

  pendingDeletes(): number[] {
    return this.db
      .prepare<[], { slot: number }>("SELECT slot FROM pending_sensor_deletes ORDER BY slot")
      .all()
      .map((r) => r.slot);
  }

  queueDelete(slot: number, nowMs: number): void {
    this.db
      .prepare("INSERT OR IGNORE INTO pending_sensor_deletes (slot, queued_ms) VALUES (?, ?)")
      .run(slot, nowMs);
  }

  /** The slot no longer needs deleting (done, or overwritten by a new enrolment). */
  clearPendingDelete(slot: number): void {
    this.db.prepare("DELETE FROM pending_sensor_deletes WHERE slot = ?").run(slot);
  }

  /** Every fingerprint slot the store maps to a user. */
  assignedSlots(): Map<number, number> {
    const rows = this.db
      .prepare<[], { lookup: string; user_id: number }>(
        "SELECT lookup, user_id FROM credentials WHERE kind = 'fingerprint'",
      )
      .all();
    return new Map(rows.map((r) => [Number(r.lookup), r.user_id]));
  }
}
