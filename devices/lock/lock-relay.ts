import type { Clock, GpioLine } from "../types.js";

/** The lock output. Released means the strike or maglock lets the door open. */
export interface LockRelay {
  /** Drives the relay to its locked (de-energised) state and cancels any pending pulse. */
  lock(): Promise<void>;
  /**
   * Releases the lock for at most ms (clamped to the hard maximum), then locks by itself.
   * Rejects if the output cannot be driven; the caller must treat the door as faulty.
   */
  pulse(ms: number): Promise<void>;
  readonly released: boolean;
  /**
   * Drives the relay locked synchronously, for exit handlers (uncaught exception, SIGTERM). Present
   * only when the output supports a synchronous write. Throws if the output cannot be driven.
   */
  readonly lockSync?: () => void;
}

/**
 * A relay on one GPIO output. The relay is energised only for a pulse, never left on: its own
 * timer relocks even if the caller forgets, and no pulse may exceed maxOnMs.
 */
export class GpioLockRelay implements LockRelay {
  private cancelRelock: (() => void) | null = null;
  private isReleased = false;
  /** Bumped by every lock: a pulse whose write was in flight across a lock must not win. */
  private locks = 0;
  readonly lockSync?: () => void;

  constructor(
    private readonly line: GpioLine,
    private readonly clock: Clock,
    private readonly maxOnMs: number,
    private readonly onRelockFailed: (err: Error) => void = () => {},
  ) {
    const writeSync = line.writeSync?.bind(line);
    if (writeSync) {
      this.lockSync = () => {
        this.locks++;
        this.cancelRelock?.();
        this.cancelRelock = null;
        this.isReleased = false;
        writeSync(0);
      };
    }
  }

  get released(): boolean {
    return this.isReleased;
  }

  async lock(): Promise<void> {
    this.locks++;
    this.cancelRelock?.();
    this.cancelRelock = null;
    this.isReleased = false;
    await this.line.write(0);
  }

  async pulse(ms: number): Promise<void> {
    const onMs = Math.max(0, Math.min(ms, this.maxOnMs));
    const locksBefore = this.locks;
    // The write is issued first (the grant waits for nothing else), and the relock is armed in the
    // same synchronous step, before any other code can run: a write that succeeds is always timed,
    // even if we are then starved.
    const energising = writeLevel(this.line, 1);
    this.cancelRelock?.();
    this.cancelRelock = this.clock.setTimeout(() => {
      this.cancelRelock = null;
      this.lock().catch((err: Error) => this.onRelockFailed(err));
    }, onMs);
    try {
      await energising;
      if (this.locks !== locksBefore) {
        // A lock was asked while our write was in flight, and it cancelled our relock timer.
        // Writes may complete in either order (sysfs goes through the thread pool), so our 1 may
        // have landed after its 0: drive 0 again rather than leave the relay energised untimed.
        await this.line.write(0);
        return;
      }
      this.isReleased = true;
    } catch (err) {
      this.cancelRelock?.();
      this.cancelRelock = null;
      this.isReleased = false;
      await this.line.write(0).catch(() => {});
      throw err;
    }
  }
}

/** A line's write as a promise, also when the write throws before returning one. */
function writeLevel(line: GpioLine, level: 0 | 1): Promise<void> {
  try {
    return line.write(level);
  } catch (err) {
    return Promise.reject(err);
  }
}
