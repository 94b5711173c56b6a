import type { Clock } from "../devices/types.js";

interface Timer {
  id: number;
  dueMs: number;
  fn: () => void;
}

/** Lets pending promise callbacks (driver reads, store writes) run before time moves on. */
async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/**
 * A clock that moves only when told to. Timers fire in due order; between timers, pending
 * async work is allowed to settle so chains like "timer -> I2C read -> decision" complete.
 */
export class FakeClock implements Clock {
  private nowMs: number;
  private timers: Timer[] = [];
  private nextId = 1;

  constructor(startMs = Date.UTC(2026, 0, 5, 9, 0, 0)) {
    this.nowMs = startMs;
  }

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: () => void, ms: number): () => void {
    const timer = { id: this.nextId++, dueMs: this.nowMs + Math.max(0, ms), fn };
    this.timers.push(timer);
    return () => {
      this.timers = this.timers.filter((t) => t.id !== timer.id);
    };
  }

  /** Number of timers still waiting; useful to prove nothing is left running. */
  pendingTimers(): number {
    return this.timers.length;
  }

  /** Moves time forward by ms, firing every timer that falls due on the way. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    await settle();
    for (;;) {
      const next = this.timers
        .filter((t) => t.dueMs <= target)
        .sort((a, b) => a.dueMs - b.dueMs || a.id - b.id)[0];
      if (!next) break;
      this.timers = this.timers.filter((t) => t.id !== next.id);
      this.nowMs = Math.max(this.nowMs, next.dueMs);
      next.fn();
      await settle();
    }
    this.nowMs = target;
    await settle();
  }
}
