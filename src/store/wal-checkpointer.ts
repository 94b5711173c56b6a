import type { Clock } from "../../devices/types.js";
import type { Db } from "./open-database.js";

/** The kv row the checkpointer writes to start the WAL over off the attempts' path (see checkpoint()). */
export const WAL_RESTART_KEY = "storage:wal_restarted_ms";

/** What `PRAGMA wal_checkpoint` answers: frames in the WAL, and how many are now in the database file. */
interface CheckpointResult {
  busy: number;
  log: number;
  checkpointed: number;
}

/** How often the service folds its WAL back into the database file. */
export const WAL_CHECKPOINT_INTERVAL_MS = 1000;

/** While checkpoints keep failing (a full disk), how often that is said again. */
export const CHECKPOINT_FAILURE_REPEAT_MS = 5 * 60_000;

/** Who hears about failing checkpoints: once when they start, every so often while they go on, once when they stop. */
export interface CheckpointReports {
  /** `failedTicks`: how many ticks in a row have failed, this one included. */
  failed(err: unknown, failedTicks: number): void;
  recovered(failedTicks: number): void;
}

/**
 * Moves SQLite's WAL checkpoints off the commit of an attempt. By default the commit that grows
 * the WAL past 1,000 pages also copies them into the database file and fsyncs it, before it
 * returns: that one grant waits several fsyncs for its relay (issue 15, the p99). The service's
 * connection turns that off and checkpoints on a timer instead, between attempts (a timer never
 * runs inside an attempt: the path from the last key to the relay has no await that yields to it).
 * Durability is unchanged: a commit is durable once its WAL frames are synced (synchronous=FULL);
 * a checkpoint only copies them. Other connections (the CLI) keep SQLite's default.
 */
export class WalCheckpointer {
  private cancel: (() => void) | null = null;
  /** Every write to the database, this connection's and others' (total_changes, data_version). */
  private readonly changes;
  private readonly restartWrite;
  /** `changes` right after our own restarting write: equal later = nothing new to fold in. */
  private quietAt: string | null = null;
  /** The failing streak: how many ticks, and when it was last reported. */
  private failing: { ticks: number; reportedMs: number } | null = null;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly reports: CheckpointReports,
    private readonly intervalMs = WAL_CHECKPOINT_INTERVAL_MS,
  ) {
    this.changes = db
      .prepare<[], string>("SELECT total_changes() || ':' || data_version FROM pragma_data_version")
      .pluck();
    this.restartWrite = db.prepare<[string]>(
      `INSERT INTO kv (key, value) VALUES ('${WAL_RESTART_KEY}', ?)
       ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
    );
  }

  start(): void {
    this.db.pragma("wal_autocheckpoint = 0");
    this.schedule();
  }

  /**
   * Stops the timer only, keeping SQLite's checkpoints off: for a test that counts an attempt's
   * commits in the WAL, which this timer's own restarting write would otherwise land among.
   */
  pause(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** Stops the timer and hands checkpoints back to SQLite (closing the connection checkpoints too). */
  stop(): void {
    this.cancel?.();
    this.cancel = null;
    if (this.db.open) this.db.pragma("wal_autocheckpoint = 1000");
  }

  /**
   * PASSIVE: never waits for a reader or a writer. When it folded in the whole WAL, the next
   * commit starts the WAL over, and under synchronous=FULL SQLite first syncs the new WAL header:
   * a second fsync, which would fall on whatever commits next (a grant, before its relay; the
   * p99 of issue 15). A small write of our own takes that restart here, between attempts. With
   * nothing written since, it does nothing at all (no checkpoint, no write).
   */
  checkpoint(): void {
    try {
      this.fold();
    } catch (err) {
      this.noteFailure(err);
      return;
    }
    if (this.failing) this.reports.recovered(this.failing.ticks);
    this.failing = null;
  }

  private fold(): void {
    if (this.changes.get() === this.quietAt) return;
    const [done] = this.db.pragma("wal_checkpoint(PASSIVE)") as CheckpointResult[];
    if (done && done.busy === 0 && done.log > 0 && done.checkpointed === done.log) {
      this.restartWrite.run(String(this.clock.now()));
      this.quietAt = this.changes.get() ?? null;
    }
  }

  /**
   * A tick that failed. On a full disk every tick fails, once a second: the first is reported,
   * then one report every CHECKPOINT_FAILURE_REPEAT_MS with the count, not a warning a second in
   * the journal (the attempts' own failures are reported by the storage guard, and nothing is
   * lost: a checkpoint only copies rows the WAL already holds durably).
   */
  private noteFailure(err: unknown): void {
    const now = this.clock.now();
    const streak = this.failing ?? { ticks: 0, reportedMs: Number.NEGATIVE_INFINITY };
    streak.ticks++;
    this.failing = streak;
    if (now - streak.reportedMs < CHECKPOINT_FAILURE_REPEAT_MS) return;
    streak.reportedMs = now;
    this.reports.failed(err, streak.ticks);
  }

  private schedule(): void {
    this.cancel = this.clock.setTimeout(() => {
      this.checkpoint();
      this.schedule();
    }, this.intervalMs);
  }
}
