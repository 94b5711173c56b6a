import type { Clock } from "../devices/types.js";

/** One step of a timed sequence (a wire edge, a key going down or up). */
export interface OrderedStep {
  /** Time after the previous step was due (or after now, for a step added to an idle sequence). */
  afterMs: number;
  /**
   * Measure afterMs from when the previous step actually ran, so a stall cannot squeeze this gap:
   * a late previous step moves this one, and every step after it, later by the same amount.
   * Without it, steps that fell due during a stall run at once, in order.
   */
  keepGapAfterStall?: boolean;
  run: () => void;
}

interface QueuedStep extends OrderedStep {
  /** Clock time when it was added: a step is never due before it was asked for. */
  addedAtMs: number;
}

/**
 * A sequence of timed steps driven by a single timer, never a timer per step: after an event-loop
 * stall Node runs overdue timers grouped by their delay, not in due order (timers with the same
 * delay share one list, lists run in the order of their oldest timer), so timers per step could run
 * out of order whenever another component has a pending timer with one of those delays. Here the
 * steps run in the order they were added, whatever the clock does with overdue timers.
 */
export class OrderedSteps {
  private steps: QueuedStep[] = [];
  /** When the last step run was due, and when it actually ran (later after a stall). */
  private lastDueMs = Number.NEGATIVE_INFINITY;
  private lastRunAtMs = Number.NEGATIVE_INFINITY;
  private cancelTimer: (() => void) | null = null;

  constructor(private readonly clock: Clock) {}

  /** Queues steps after every step already queued. */
  add(...steps: OrderedStep[]): void {
    const addedAtMs = this.clock.now();
    for (const step of steps) this.steps.push({ ...step, addedAtMs });
    this.armTimer();
  }

  /** Drops every queued step and forgets the past: the next step added runs at once. */
  clear(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.steps = [];
    this.lastDueMs = Number.NEGATIVE_INFINITY;
    this.lastRunAtMs = Number.NEGATIVE_INFINITY;
  }

  /** Steps not yet run. */
  get pending(): number {
    return this.steps.length;
  }

  private dueMs(step: QueuedStep): number {
    const after = step.keepGapAfterStall ? this.lastRunAtMs : this.lastDueMs;
    return Math.max(step.addedAtMs, after + step.afterMs);
  }

  private armTimer(): void {
    const next = this.steps[0];
    if (this.cancelTimer || !next) return;
    this.cancelTimer = this.clock.setTimeout(
      () => this.runDueSteps(),
      Math.max(0, this.dueMs(next) - this.clock.now()),
    );
  }

  private runDueSteps(): void {
    this.cancelTimer = null;
    const now = this.clock.now();
    try {
      for (let step = this.steps[0]; step; step = this.steps[0]) {
        const dueMs = this.dueMs(step);
        if (dueMs > now) break;
        this.steps.shift();
        this.lastDueMs = dueMs;
        this.lastRunAtMs = now;
        step.run();
      }
    } finally {
      // A step that throws (a listener on the wire) is lost, not every step queued behind it.
      this.armTimer();
    }
  }
}
