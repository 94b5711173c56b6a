import { createHash } from "node:crypto";
import type { Db } from "../store/open-database.js";

export type AuditKind = "access" | "door" | "system";
export type CredentialType = "pin" | "fingerprint" | "badge" | "rex" | "remote";
export type Outcome = "granted" | "denied";

/** What a caller records. No secrets: user codes, never names, PINs or badge numbers. */
export interface AuditEntry {
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

interface AuditRow {
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

export const GENESIS_HASH = "0".repeat(64);

/** The chain link: everything in the row except its own hash, bound to the previous row's hash. */
export function rowHash(r: Omit<AuditRow, "hash">): string {
  const fields = [r.seq, r.ts_ms, r.door, r.kind, r.credential, r.outcome, r.reason, r.user_code, r.detail];
  return createHash("sha256").update(r.prev_hash).update("\n").update(JSON.stringify(fields)).digest("hex");
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

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBad?: { seq: number; problem: string };
}

export type Listener = (record: AuditRecord) => void;

/**
 * The append-only, hash-chained entry log. append() returns only after SQLite has committed
 * with synchronous=FULL, so a caller that drives the relay afterwards never acts on an
 * attempt that a power cut could erase.
 */
export class AuditLog {
  private readonly lastRow;
  private readonly insert;
  private listeners = new Set<Listener>();
  /** Records appended inside atomically(): heard by listeners only once the whole change commits. */
  private pending: AuditRecord[] | null = null;

  constructor(
    private readonly db: Db,
    private readonly door: string,
  ) {
    this.lastRow = db.prepare<[], { seq: number; hash: string }>(
      "SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1",
    );
    this.insert = db.prepare(
      `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
       VALUES (@seq, @ts_ms, @door, @kind, @credential, @outcome, @reason, @user_code, @detail, @prev_hash, @hash)`,
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
    for (const record of pending) this.notify(record);
    return result;
  }

  append(entry: AuditEntry, tsMs: number): AuditRecord {
    // IMMEDIATE: the CLI may append from another process; reading the chain head and writing
    // the next row must not interleave with it.
    const row = this.db
      .transaction(() => {
        const last = this.lastRow.get();
        const base = {
          seq: (last?.seq ?? 0) + 1,
          ts_ms: tsMs,
          door: this.door,
          kind: entry.kind,
          credential: entry.credential ?? null,
          outcome: entry.outcome ?? null,
          reason: entry.reason,
          user_code: entry.userCode ?? null,
          detail: entry.detail ? JSON.stringify(entry.detail) : null,
          prev_hash: last?.hash ?? GENESIS_HASH,
        };
        const full: AuditRow = { ...base, hash: rowHash(base) };
        this.insert.run(full);
        return full;
      })
      .immediate();
    const record = toRecord(row);
    if (this.pending) this.pending.push(record);
    else this.notify(record);
    return record;
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
   * Walks the whole chain and names the first row that was edited, deleted or moved. After a
   * retention purge the walk starts from the latest checkpoint (seq and hash of the last purged
   * row), so the first kept row must link to it exactly.
   */
  verify(): VerifyResult {
    const checkpoint = this.db
      .prepare<[], { through_seq: number; through_hash: string }>(
        "SELECT through_seq, through_hash FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
      )
      .get();
    let prevHash = checkpoint?.through_hash ?? GENESIS_HASH;
    let expectedSeq: number | null = checkpoint ? checkpoint.through_seq + 1 : null;
    let checked = 0;
    for (const row of this.db.prepare<[], AuditRow>("SELECT * FROM audit_events ORDER BY seq").iterate()) {
      const fail = (problem: string): VerifyResult => ({
        ok: false,
        checked,
        firstBad: { seq: row.seq, problem },
      });
      if (expectedSeq !== null && row.seq !== expectedSeq) {
        return fail(`row ${expectedSeq}${row.seq - expectedSeq > 1 ? `..${row.seq - 1}` : ""} is missing`);
      }
      if (row.prev_hash !== prevHash)
        return fail("does not link to the row before it (deleted or reordered)");
      const { hash, ...rest } = row;
      if (rowHash(rest) !== hash) return fail("content does not match its hash (edited)");
      prevHash = hash;
      expectedSeq = row.seq + 1;
      checked++;
    }
    return { ok: true, checked };
  }
}
