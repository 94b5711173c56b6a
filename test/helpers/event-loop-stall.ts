import type { Clock } from "../../devices/types.js";

/** Blocks the event loop, as a descheduled process or a long GC pause does: timers fall due but cannot run. */
export function stallEventLoop(ms: number): void {
  const until = performance.now() + ms;
  while (performance.now() < until) {
    // busy
  }
}

/**
 * A fake clock for a process that wakes late: everything that fell due meanwhile runs, but the
 * NEWEST timer first. The Clock contract promises no order between overdue timers (Node runs
 * them grouped by delay, not in due order), so a device that needs its steps in order must not
 * depend on it.
 */
export class LateWakingClock implements Clock {
  private nowMs = Date.UTC(2026, 0, 5, 9, 0, 0);
  private timers: { id: number; dueMs: number; fn: () => void }[] = [];
  private nextId = 1;

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const id = this.nextId++;
    this.timers.push({ id, dueMs: this.nowMs + Math.max(0, ms), fn });
    return () => {
      this.timers = this.timers.filter((t) => t.id !== id);
    };
  }

  /** Sleeps ms, then runs every timer that fell due, newest first, letting async work settle between them. */
  async wakeAfter(ms: number): Promise<void> {
    this.nowMs += ms;
    for (;;) {
      const due = this.timers.filter((t) => t.dueMs <= this.nowMs).sort((a, b) => b.id - a.id)[0];
      if (!due) return;
      this.timers = this.timers.filter((t) => t.id !== due.id);
      due.fn();
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
  }

  /** A healthy loop again: ms steps of 1 ms, so timers run when due. */
  async tick(ms: number): Promise<void> {
    for (let i = 0; i < ms; i++) await this.wakeAfter(1);
  }
}

/**
 * One component's view of a shared clock on a loaded host: its timers fire lateByMs after they
 * were due (a scan timer that keeps waking late), while everything else keeps time. lateByMs may
 * be changed at any moment; it applies to timers set afterwards.
 */
export class LateTimersClock implements Clock {
  lateByMs = 0;

  constructor(private readonly inner: Clock) {}

  now(): number {
    return this.inner.now();
  }

  setTimeout(fn: () => void, ms: number): () => void {
    return this.inner.setTimeout(fn, ms + this.lateByMs);
  }
}
