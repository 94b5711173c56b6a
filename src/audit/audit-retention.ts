import type { Clock } from "../../devices/types.js";
import type { Db } from "../store/open-database.js";
import type { AuditLog } from "./audit-log.js";

/** Where the MQTT publisher keeps the highest seq it has delivered (audit_events is its outbox). */
export const MQTT_CURSOR_KEY = "mqtt:published_seq";

export interface RetentionPolicy {
  retentionDays: number;
  /** When MQTT is enabled, rows the publisher has not yet delivered are never purged. */
  mqttEnabled: boolean;
}

export interface PurgeResult {
  purgedRows: number;
  throughSeq: number | null;
}

/**
 * Purges audit rows older than the retention period while keeping the chain verifiable: in one
 * IMMEDIATE transaction it records a checkpoint (seq and hash of the last purged row) that
 * verify() starts from, then deletes a contiguous prefix of the chain. The newest row is
 * always kept so appends keep linking to a row on disk. A `retention_purge` event carrying the
 * checkpoint is appended in the same transaction, so the checkpoint itself is covered by the chain.
 */
export class AuditRetention {
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly db: Db,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly policy: RetentionPolicy,
    private readonly onError: (err: unknown) => void = () => {},
  ) {}

  /** Purges now, then every intervalMs until stop(). */
  start(intervalMs: number): void {
    const run = () => {
      try {
        this.purge(this.clock.now());
      } catch (err) {
        this.onError(err);
      }
      this.cancelTimer = this.clock.setTimeout(run, intervalMs);
    };
    run();
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  purge(nowMs: number): PurgeResult {
    const cutoffMs = nowMs - this.policy.retentionDays * 86_400_000;
    // One transaction: the checkpoint and the chained row that vouches for it commit together,
    // so verify() never sees one without the other (it refuses a checkpoint with no purge row).
    return this.db
      .transaction((): PurgeResult => {
        const one = <T>(sql: string, ...args: unknown[]) =>
          this.db.prepare(sql).get(...args) as T | undefined;
        const head = one<{ seq: number | null }>("SELECT max(seq) AS seq FROM audit_events")?.seq ?? null;
        if (head === null) return { purgedRows: 0, throughSeq: null };
        // A contiguous prefix: everything before the first row that is still within retention.
        const firstKept =
          one<{ seq: number | null }>("SELECT min(seq) AS seq FROM audit_events WHERE ts_ms >= ?", cutoffMs)
            ?.seq ?? null;
        let through = Math.min(firstKept === null ? head : firstKept - 1, head - 1);
        const cursor = this.mqttCursor();
        if (cursor !== null) through = Math.min(through, cursor);
        // The newest purged row, which is also the youngest: verify checks it was past retention.
        const row = one<{ seq: number; hash: string; ts_ms: number }>(
          "SELECT seq, hash, (SELECT max(ts_ms) FROM audit_events WHERE seq <= ?) AS ts_ms FROM audit_events WHERE seq = ?",
          through,
          through,
        );
        if (!row) return { purgedRows: 0, throughSeq: null };
        const purgedRows = this.db.prepare("DELETE FROM audit_events WHERE seq <= ?").run(through).changes;
        this.db
          .prepare(
            "INSERT INTO audit_checkpoints (through_seq, through_hash, purged_rows, created_ms) VALUES (?, ?, ?, ?)",
          )
          .run(row.seq, row.hash, purgedRows, nowMs);
        this.audit.append(
          {
            kind: "system",
            reason: "retention_purge",
            detail: {
              purged_rows: purgedRows,
              through_seq: row.seq,
              through_hash: row.hash,
              through_ts_ms: row.ts_ms,
              retention_days: this.policy.retentionDays,
            },
          },
          nowMs,
        );
        return { purgedRows, throughSeq: row.seq };
      })
      .immediate();
  }

  /** The highest seq the MQTT publisher has delivered, or null when MQTT puts no limit. */
  private mqttCursor(): number | null {
    const row = this.db
      .prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?")
      .get(MQTT_CURSOR_KEY);
    if (row) {
      const value = Number(JSON.parse(row.value));
      return Number.isFinite(value) ? value : 0;
    }
    // Enabled but nothing delivered yet: every row is still waiting to leave.
    return this.policy.mqttEnabled ? 0 : null;
  }
}
