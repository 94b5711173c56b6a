import type { Clock } from "../../devices/types.js";
import type { DoorStatus } from "../door/door-controller.js";

export interface LivenessOptions {
  clock: Clock;
  door: { status(): DoorStatus };
  /** The relay may be released this long at most (door.max_unlock_ms); longer means a stuck machine. */
  maxUnlockMs: number;
  /** Heartbeat period. */
  tickMs?: number;
  /** A heartbeat later than tickMs + this means the event loop is blocked. */
  maxLagMs?: number;
}

/**
 * Decides whether the systemd watchdog may be fed: the event loop is turning (a heartbeat timer
 * arrives on time) and the door state machine answers and has not left the relay released past
 * its hard cap. When either fails the pings stop and systemd restarts the service, whose start
 * drives the relay locked first. A door in `fault` is healthy here: restarting would not fix a
 * broken wire, and the fault is already reported.
 */
export class Liveness {
  private lastBeatMs: number;
  private cancel: (() => void) | null = null;
  private releasedSinceMs: number | null = null;
  private readonly tickMs: number;
  private readonly maxLagMs: number;
  private lastProblem: string | null = null;

  constructor(private readonly opts: LivenessOptions) {
    this.tickMs = opts.tickMs ?? 500;
    this.maxLagMs = opts.maxLagMs ?? 2_000;
    this.lastBeatMs = opts.clock.now();
  }

  start(): void {
    const beat = () => {
      this.lastBeatMs = this.opts.clock.now();
      this.cancel = this.opts.clock.setTimeout(beat, this.tickMs);
    };
    beat();
  }

  stop(): void {
    this.cancel?.();
    this.cancel = null;
  }

  /** Why the process is not healthy, or null. */
  problem(): string | null {
    const now = this.opts.clock.now();
    const lagMs = now - this.lastBeatMs;
    if (lagMs > this.tickMs + this.maxLagMs) return `event loop blocked for ${lagMs} ms`;
    let status: DoorStatus;
    try {
      status = this.opts.door.status();
    } catch (err) {
      return `door state machine failed: ${(err as Error).message}`;
    }
    if (status.lock === "unlocked") {
      this.releasedSinceMs ??= now;
      const releasedMs = now - this.releasedSinceMs;
      if (releasedMs > this.opts.maxUnlockMs + 1_000)
        return `relay released for ${releasedMs} ms (cap ${this.opts.maxUnlockMs} ms)`;
    } else {
      this.releasedSinceMs = null;
    }
    return null;
  }

  isHealthy(): boolean {
    this.lastProblem = this.problem();
    return this.lastProblem === null;
  }

  /** The problem found by the last isHealthy() (for the log line when pings stop). */
  get lastFailure(): string | null {
    return this.lastProblem;
  }
}
