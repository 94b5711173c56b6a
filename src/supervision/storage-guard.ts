import type { Clock } from "../../devices/types.js";
import type { AuditEntry, AuditLog, AuditRecord } from "../audit/audit-log.js";
import type { DeviceHealth } from "./device-health.js";

/** Door and system events kept in memory while the log cannot be written; beyond it they are counted. */
export const MAX_QUEUED_EVENTS = 100;
/** How often a failed log is tried again when no new event comes to try it. */
export const STORAGE_RETRY_MS = 5_000;

export interface StorageGuardDeps {
  audit: AuditLog;
  clock: Clock;
  health: DeviceHealth;
  onError: (context: string, err: unknown) => void;
}

/**
 * Every audit write of the service goes through here, so a write failure (full disk, I/O error)
 * has one meaning everywhere, by kind of row:
 * - an attempt (`record`, `recordAll`) that cannot be committed throws: the door stays locked;
 * - a request-to-exit (`recordEgress`) never throws: egress is never blocked by the log; the
 *   exits that could not be written are counted and written as one `exit_request_unlogged` row;
 * - a door or system event (`recordOrQueue`) is kept in a bounded memory queue.
 * While writes fail, device health shows `storage: failed`. Whenever writing works again (the
 * next write, or a retry every STORAGE_RETRY_MS) the storage fault, the unlogged exits, the queued
 * events and the recovery are committed in one transaction, before any new row.
 */
export class StorageGuard {
  private failure: { detail: string; sinceMs: number } | null = null;
  private unloggedExits: { count: number; firstMs: number; lastMs: number } | null = null;
  private queued: AuditEntry[] = [];
  private dropped = 0;
  private refusedAttempts = 0;
  private cancelRetry: (() => void) | null = null;

  constructor(private readonly deps: StorageGuardDeps) {
    deps.health.register("storage");
  }

  record(entry: AuditEntry): AuditRecord {
    return this.recordAll([entry])[0] as AuditRecord;
  }

  /**
   * Commits rows in one transaction, after any backlog; throws (after marking storage failed) if
   * it cannot. The attempts refused that way are counted on the storage fault row. `alongside`
   * runs inside that transaction (see AuditLog.appendAll).
   */
  recordAll(entries: AuditEntry[], alongside?: () => void): AuditRecord[] {
    try {
      return this.write(entries, alongside);
    } catch (err) {
      this.refusedAttempts++;
      throw err;
    }
  }

  /** Runs an action that commits and then drives the relay; listeners hear its rows after (AuditLog.heardAfter). */
  listenersAfter<T>(action: () => T): T {
    return this.deps.audit.heardAfter(action);
  }

  /** A request-to-exit row: written if at all possible, else counted; never throws. */
  recordEgress(entry: AuditEntry): void {
    try {
      this.write([entry]);
    } catch {
      const now = this.deps.clock.now();
      const u = this.unloggedExits;
      this.unloggedExits = { count: (u?.count ?? 0) + 1, firstMs: u?.firstMs ?? now, lastMs: now };
    }
  }

  /** A door or system event the door acts on whatever happens: written, else queued; never throws. */
  recordOrQueue(entry: AuditEntry): void {
    try {
      this.write([entry]);
    } catch {
      const occurred = { ...entry, detail: { ...entry.detail, occurred_ms: this.deps.clock.now() } };
      // The first events of an outage are kept (a forced door is what matters); later ones counted.
      if (this.queued.length < MAX_QUEUED_EVENTS) this.queued.push(occurred);
      else this.dropped++;
    }
  }

  /** At an orderly stop, one last try to write the backlog (the last rows included) before the database closes. */
  stop(): void {
    this.cancelRetry?.();
    this.cancelRetry = null;
    try {
      this.flush(this.deps.clock.now());
    } catch (err) {
      this.deps.onError("audit backlog lost at stop", err);
    }
  }

  private write(entries: AuditEntry[], alongside?: () => void): AuditRecord[] {
    const now = this.deps.clock.now();
    try {
      this.flush(now);
      return this.deps.audit.appendAll(entries, now, alongside);
    } catch (err) {
      this.markFailed(err, now);
      throw err;
    }
  }

  /** After a failure: the backlog, framed by the storage fault and its recovery, in one transaction. */
  private flush(now: number): void {
    if (!this.failure) return;
    const { detail, sinceMs } = this.failure;
    const backlog: AuditEntry[] = [
      {
        kind: "system",
        reason: "fault",
        detail: {
          device: "storage",
          detail,
          occurred_ms: sinceMs,
          // Entry attempts refused (door left locked) because their row could not be written.
          refused_attempts: this.refusedAttempts,
          ...(this.dropped ? { dropped_events: this.dropped } : {}),
        },
      },
    ];
    if (this.unloggedExits) {
      const { count, firstMs, lastMs } = this.unloggedExits;
      backlog.push({
        kind: "door",
        reason: "exit_request_unlogged",
        credential: "rex",
        outcome: "granted",
        detail: { count, first_ms: firstMs, last_ms: lastMs },
      });
    }
    backlog.push(...this.queued, { kind: "system", reason: "recovered", detail: { device: "storage" } });
    this.deps.audit.appendAll(backlog, now);
    this.failure = null;
    this.unloggedExits = null;
    this.queued = [];
    this.dropped = 0;
    this.refusedAttempts = 0;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.deps.health.recovered("storage");
  }

  private markFailed(err: unknown, now: number): void {
    const detail = (err as Error).message ?? String(err);
    if (!this.failure) {
      this.failure = { detail, sinceMs: now };
      this.deps.health.failed("storage", detail);
      this.deps.onError("audit log write", err);
    }
    this.scheduleRetry();
  }

  private scheduleRetry(): void {
    if (this.cancelRetry) return;
    this.cancelRetry = this.deps.clock.setTimeout(() => {
      this.cancelRetry = null;
      try {
        this.flush(this.deps.clock.now());
      } catch {
        this.scheduleRetry();
      }
    }, STORAGE_RETRY_MS);
  }
}
