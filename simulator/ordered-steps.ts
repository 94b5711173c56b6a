import type { Clock } from "../devices/types.js";

/** When a step of a timed sequence runs. */
interface StepTiming {
  /** Time after the previous step was due (or after now, for a step added to an idle sequence). */
  afterMs: number;
  /**
   * Measure afterMs from when the previous step actually ran, so a stall cannot squeeze this gap:
   * a late previous step moves this one, and every step after it, later by the same amount.
   * Without it, steps that fell due during a stall run at once, in order.
   */
  keepGapAfterStall?: boolean;
}

/**
 * One step of a timed sequence (a wire edge, a key going down or up). A step given as
 * runUntilSettled lasts until its promise settles (a finger held until the keypad has taken the
 * key): the steps after it wait, and their times count from when it settled.
 */
export type OrderedStep = StepTiming & ({ run: () => void } | { runUntilSettled: () => Promise<void> });

type QueuedStep = OrderedStep & {
  /** Clock time when it was added: a step is never due before it was asked for. */
  addedAtMs: number;
};

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
  /** A step that has run but not yet settled holds the sequence. */
  private waiting = false;
  /** Bumped by clear(), so a step of the old sequence settling later moves nothing. */
  private generation = 0;

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
    this.waiting = false;
    this.generation++;
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
    if (this.cancelTimer || this.waiting || !next) return;
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
        if ("run" in step) step.run();
        else {
          this.waitFor(step.runUntilSettled());
          return;
        }
      }
    } finally {
      // A step that throws (a listener on the wire) is lost, not every step queued behind it.
      this.armTimer();
    }
  }

  private waitFor(running: Promise<void>): void {
    this.waiting = true;
    const generation = this.generation;
    const settled = () => {
      if (generation !== this.generation) return;
      this.waiting = false;
      this.lastDueMs = this.lastRunAtMs = this.clock.now();
      this.armTimer();
    };
    running.then(settled, settled);
  }
}
