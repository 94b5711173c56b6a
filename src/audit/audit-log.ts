import type { Db } from "../store/open-database.js";
import {
  GENESIS_HASH,
  linkHash,
  type VerifyProgress,
  type VerifyResult,
  verifyChain,
} from "./chain-verify.js";

export type AuditKind = "access" | "door" | "system";
export type CredentialType = "pin" | "fingerprint" | "badge" | "rex" | "remote";
export type Outcome = "granted" | "denied";

/** What a caller records. No secrets: user codes, never names, PINs or badge numbers. */
export interface AuditEntry {
  /** The door it is about; absent = the log's own (the controller's first door). */
  door?: string;
  kind: AuditKind;
  reason: string;
  credential?: CredentialType | null;
  outcome?: Outcome | null;
  userCode?: string | null;
  detail?: Record<string, unknown> | null;
}

export interface AuditRecord {
  seq: number;
  tsMs: number;
  door: string;
  kind: AuditKind;
  credential: CredentialType | null;
  outcome: Outcome | null;
  reason: string;
  userCode: string | null;
  detail: Record<string, unknown> | null;
  prevHash: string;
  hash: string;
}

export interface AuditRow {
  seq: number;
  ts_ms: number;
  door: string;
  kind: AuditKind;
  credential: CredentialType | null;
  outcome: Outcome | null;
  reason: string;
  user_code: string | null;
  detail: string | null;
  prev_hash: string;
  hash: string;
}

export { GENESIS_HASH };

/** The chain link: everything in the row except its own hash, bound to the previous row's hash. */
export function rowHash(r: Omit<AuditRow, "hash">): string {
  const fields = [r.seq, r.ts_ms, r.door, r.kind, r.credential, r.outcome, r.reason, r.user_code, r.detail];
  return linkHash(r.prev_hash, JSON.stringify(fields));
}

const toRecord = (r: AuditRow): AuditRecord => ({
  seq: r.seq,
  tsMs: r.ts_ms,
  door: r.door,
  kind: r.kind,
  credential: r.credential,
  outcome: r.outcome,
  reason: r.reason,
  userCode: r.user_code,
  detail: r.detail ? (JSON.parse(r.detail) as Record<string, unknown>) : null,
  prevHash: r.prev_hash,
  hash: r.hash,
});

export type { VerifyProgress, VerifyResult } from "./chain-verify.js";

export type Listener = (record: AuditRecord) => void;

/**
 * The append-only, hash-chained entry log. append() returns only after SQLite has committed
 * with synchronous=FULL, so a caller that drives the relay afterwards never acts on an
 * attempt that a power cut could erase.
 */
export class AuditLog {
  private readonly lastRow;
  private readonly insert;
  /** appendAll's transaction, built once: it runs before every relay move (issue 15). */
  private readonly appendTx;
  private listeners = new Set<Listener>();
  /**
   * The newest row as this connection last committed it, or null when that is not known (at
   * start, after a failure, or after rows appended inside someone else's transaction, which may
   * still roll back). It lets a lone row skip reading the head: see appendOne.
   */
  private head: { seq: number; hash: string } | null = null;
  /** Rows committed while heardAfter's action runs: listeners hear them when it returns. */
  private held: AuditRecord[] | null = null;
  /** SQLite's extended code when an INSERT's seq is already taken (another process appended). */
  private static readonly SEQ_TAKEN = "SQLITE_CONSTRAINT_PRIMARYKEY";
  /** Records appended inside atomically(): heard by listeners only once the whole change commits. */
  private pending: AuditRecord[] | null = null;

  constructor(
    private readonly db: Db,
    private readonly door: string,
  ) {
    this.lastRow = db.prepare<[], { seq: number; hash: string }>(
      "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
    );
    // Positional parameters: binding an object's named fields costs more than the row's SHA-256.
    this.insert = db.prepare<[number, number, string, AuditKind, ...Array<string | null>]>(
      `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    );
    this.appendTx = db.transaction(
      (entries: readonly AuditEntry[], tsMs: number, alongside: (() => void) | undefined) => {
        const head = this.lastRow.get();
        let seq = head?.seq ?? 0;
        let prevHash = head?.hash ?? GENESIS_HASH;
        const written: AuditRecord[] = [];
        for (const entry of entries) {
          seq++;
          const record = this.insertRow(entry, seq, tsMs, prevHash);
          written.push(record);
          prevHash = record.hash;
        }
        alongside?.();
        return written;
      },
    );
  }

  /** Observers (console, MQTT outbox, web feed) hear each record after it is committed. */
  onAppend(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Runs a change and the audit rows it appends as one IMMEDIATE transaction: both commit, or
   * (the change throws, or a row cannot be written) neither does. A crash in between cannot
   * leave a change without its row. Listeners hear the rows after the commit, never rows that
   * were rolled back. Nested calls join the outer transaction.
   */
  atomically<T>(change: () => T): T {
    if (this.pending) return change();
    const pending: AuditRecord[] = [];
    this.pending = pending;
    let result: T;
    try {
      result = this.db.transaction(change).immediate();
    } finally {
      this.pending = null;
    }
    this.heard(pending);
    return result;
  }

  /**
   * Runs an action that commits rows and then drives an output (a grant and its relay): the rows'
   * listeners (live feed, MQTT, console) hear them when the action returns, after the output was
   * driven, not between the commit and the relay (issue 15). They are committed either way.
   */
  heardAfter<T>(action: () => T): T {
    if (this.held) return action();
    const held: AuditRecord[] = [];
    this.held = held;
    try {
      return action();
    } finally {
      this.held = null;
      this.heard(held);
    }
  }

  append(entry: AuditEntry, tsMs: number): AuditRecord {
    return this.appendAll([entry], tsMs)[0] as AuditRecord;
  }

  /**
   * Several rows in one transaction: all of them or none survive a crash, for one fsync. How a
   * decision and the alarm it raises (duress) are committed together, before the door acts.
   * `alongside` writes other state in the same transaction (a denial's lockout count), so it
   * commits with the rows or not at all.
   */
  appendAll(entries: readonly AuditEntry[], tsMs: number, alongside?: () => void): AuditRecord[] {
    const lone = entries.length === 1 && !alongside ? this.appendOne(entries[0] as AuditEntry, tsMs) : null;
    if (lone) {
      this.heard([lone]);
      return [lone];
    }
    // IMMEDIATE: the CLI may append from another process; reading the chain head and writing
    // the next row must not interleave with it. Inside atomically() this joins its transaction.
    let records: AuditRecord[];
    try {
      records = this.appendTx.immediate(entries, tsMs, alongside);
    } catch (err) {
      this.head = null;
      throw err;
    }
    // Only a transaction of our own has committed on return; one we joined may still roll back.
    const last = records[records.length - 1];
    this.head = last && !this.db.inTransaction ? { seq: last.seq, hash: last.hash } : null;
    if (this.pending) this.pending.push(...records);
    else this.heard(records);
    return records;
  }

  /**
   * One row on its own (an attempt with nothing else to commit: most grants), as a single
   * autocommit INSERT chained to the head this connection committed last: no BEGIN, no head read,
   * no COMMIT statement, the same one fsync (issue 15). The head cannot be stale unnoticed: a row
   * appended meanwhile by another process (the CLI) holds seq head+1, so the INSERT fails on the
   * primary key and changes nothing; the caller then takes the transaction, which reads the head.
   * (Rows are never deleted from the newest end: retention keeps the head row.) Returns null when
   * the head is unknown, inside a transaction, or taken.
   */
  private appendOne(entry: AuditEntry, tsMs: number): AuditRecord | null {
    const head = this.head;
    if (!head || this.db.inTransaction) return null;
    this.head = null;
    let record: AuditRecord;
    try {
      record = this.insertRow(entry, head.seq + 1, tsMs, head.hash);
    } catch (err) {
      if ((err as { code?: string }).code === AuditLog.SEQ_TAKEN) return null;
      throw err;
    }
    this.head = { seq: record.seq, hash: record.hash };
    return record;
  }

  /** Builds, hashes and inserts one row; the caller decides what transaction it is in. */
  private insertRow(entry: AuditEntry, seq: number, tsMs: number, prevHash: string): AuditRecord {
    const row = {
      seq,
      ts_ms: tsMs,
      door: entry.door ?? this.door,
      kind: entry.kind,
      credential: entry.credential ?? null,
      outcome: entry.outcome ?? null,
      reason: entry.reason,
      user_code: entry.userCode ?? null,
      detail: entry.detail ? JSON.stringify(entry.detail) : null,
      prev_hash: prevHash,
    };
    const hash = rowHash(row);
    this.insert.run(
      seq,
      tsMs,
      row.door,
      row.kind,
      row.credential,
      row.outcome,
      row.reason,
      row.user_code,
      row.detail,
      prevHash,
      hash,
    );
    // Built directly (no spread of the row): this runs after the commit and before the relay.
    return {
      seq,
      tsMs,
      door: row.door,
      kind: row.kind,
      credential: row.credential,
      outcome: row.outcome,
      reason: row.reason,
      userCode: row.user_code,
      detail: row.detail === null ? null : (JSON.parse(row.detail) as Record<string, unknown>),
      prevHash,
      hash,
    };
  }

  /** Committed rows: to the listeners now, or when heardAfter's action returns. */
  private heard(records: readonly AuditRecord[]): void {
    if (this.held) this.held.push(...records);
    else for (const record of records) this.notify(record);
  }

  private notify(record: AuditRecord): void {
    for (const listener of this.listeners) {
      try {
        listener(record);
      } catch {
        // An observer's bug must not undo or block the record; observers log their own errors.
      }
    }
  }

  /** Records in seq order, optionally bounded by time; iterates without loading them all. */
  *query(opts: { sinceMs?: number; untilMs?: number; userCode?: string } = {}): Generator<AuditRecord> {
    const rows = this.db
      .prepare<[number, number, string | null, string | null], AuditRow>(
        `SELECT * FROM audit_events WHERE ts_ms >= ? AND ts_ms <= ? AND (? IS NULL OR user_code = ?) ORDER BY seq`,
      )
      .iterate(
        opts.sinceMs ?? 0,
        opts.untilMs ?? Number.MAX_SAFE_INTEGER,
        opts.userCode ?? null,
        opts.userCode ?? null,
      );
    for (const row of rows) yield toRecord(row);
  }

  tail(count: number): AuditRecord[] {
    return this.db
      .prepare<[number], AuditRow>("SELECT * FROM audit_events ORDER BY seq DESC LIMIT ?")
      .all(count)
      .reverse()
      .map(toRecord);
  }

  last(): AuditRecord | undefined {
    return this.tail(1)[0];
  }

  /**
   * Walks the whole chain and names the first row that was edited, deleted or moved (see
   * chain-verify.ts); `onProgress` hears how far it got, every so many rows.
   */
  verify(onProgress?: (progress: VerifyProgress) => void): VerifyResult {
    return verifyChain(this.db, onProgress);
  }
}
