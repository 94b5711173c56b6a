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

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
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
      if (this.changes.get() === this.quietAt) return;
      const [done] = this.db.pragma("wal_checkpoint(PASSIVE)") as CheckpointResult[];
      if (done && done.busy === 0 && done.log > 0 && done.checkpointed === done.log) {
        this.restartWrite.run(String(this.clock.now()));
        this.quietAt = this.changes.get() ?? null;
      }
    } catch (err) {
      this.onError(err);
    }
  }

  private schedule(): void {
    this.cancel = this.clock.setTimeout(() => {
      this.checkpoint();
      this.schedule();
    }, this.intervalMs);
  }
}
