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
 * checkpoint is then appended, so the checkpoint itself is covered by the chain.
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
    const result = this.db
      .transaction((): PurgeResult & { hash?: string } => {
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
        const row = one<{ seq: number; hash: string }>(
          "SELECT seq, hash FROM audit_events WHERE seq = ?",
          through,
        );
        if (!row) return { purgedRows: 0, throughSeq: null };
        const purgedRows = this.db.prepare("DELETE FROM audit_events WHERE seq <= ?").run(through).changes;
        this.db
          .prepare(
            "INSERT INTO audit_checkpoints (through_seq, through_hash, purged_rows, created_ms) VALUES (?, ?, ?, ?)",
          )
          .run(row.seq, row.hash, purgedRows, nowMs);
        return { purgedRows, throughSeq: row.seq, hash: row.hash };
      })
      .immediate();
    if (result.purgedRows > 0) {
      this.audit.append(
        {
          kind: "system",
          reason: "retention_purge",
          detail: {
            purged_rows: result.purgedRows,
            through_seq: result.throughSeq,
            through_hash: result.hash,
            retention_days: this.policy.retentionDays,
          },
        },
        nowMs,
      );
    }
    return { purgedRows: result.purgedRows, throughSeq: result.throughSeq };
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
