import type { Clock } from "../../devices/types.js";
import type { Db } from "./open-database.js";

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

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly onError: (err: unknown) => void,
    private readonly intervalMs = WAL_CHECKPOINT_INTERVAL_MS,
  ) {}

  start(): void {
    this.db.pragma("wal_autocheckpoint = 0");
    this.schedule();
  }

  /** Stops the timer and hands checkpoints back to SQLite (closing the connection checkpoints too). */
  stop(): void {
    this.cancel?.();
    this.cancel = null;
    if (this.db.open) this.db.pragma("wal_autocheckpoint = 1000");
  }

  /** PASSIVE: never waits for a reader or a writer; with nothing new in the WAL it does no I/O. */
  checkpoint(): void {
    try {
      this.db.pragma("wal_checkpoint(PASSIVE)");
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
