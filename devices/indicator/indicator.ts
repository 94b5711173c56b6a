import type { Clock, GpioLine, Level } from "../types.js";

export type IndicatorPattern = "granted" | "denied" | "locked_out" | "fault" | "waiting" | "key";

interface Step {
  green: Level;
  red: Level;
  buzzer: Level;
  ms: number;
}

const on = (ms: number, green: Level, red: Level, buzzer: Level): Step => ({ green, red, buzzer, ms });
const off = (ms: number): Step => on(ms, 0, 0, 0);

/** What a person at the door sees and hears. Distinct, short, the same every time. */
export const PATTERNS: Record<IndicatorPattern, Step[]> = {
  key: [on(30, 0, 0, 1)],
  granted: [on(200, 1, 0, 1), on(1800, 1, 0, 0)],
  denied: [on(150, 0, 1, 1), off(100), on(150, 0, 1, 1), off(100), on(150, 0, 1, 1)],
  locked_out: [on(1000, 0, 1, 1), on(2000, 0, 1, 0)],
  fault: [on(500, 0, 1, 0), off(500), on(500, 0, 1, 0), off(500), on(500, 0, 1, 0)],
  waiting: [on(300, 1, 0, 0), off(300), on(300, 1, 0, 0), off(300)],
};

export interface IndicatorLines {
  green: GpioLine;
  red: GpioLine;
  buzzer: GpioLine;
}

/**
 * LED and buzzer patterns. A new pattern replaces the one playing. Write failures are
 * reported once per pattern and never block the caller: feedback must not hold up the door.
 */
export class Indicator {
  private cancelStep: (() => void) | null = null;
  private generation = 0;
  private readonly listeners = new Set<(pattern: IndicatorPattern) => void>();

  constructor(
    private readonly lines: IndicatorLines,
    private readonly clock: Clock,
    private readonly onError: (err: Error) => void = () => {},
  ) {}

  /** Other feedback outputs of the door (an OSDP reader's own LED and buzzer) follow every pattern. */
  onShow(listener: (pattern: IndicatorPattern) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  show(pattern: IndicatorPattern): void {
    for (const listener of this.listeners) {
      try {
        listener(pattern);
      } catch (err) {
        this.onError(err as Error);
      }
    }
    this.cancelStep?.();
    const generation = ++this.generation;
    const steps = PATTERNS[pattern];
    const run = (i: number) => {
      if (generation !== this.generation) return;
      const step = steps[i];
      if (!step) {
        this.apply(off(0));
        return;
      }
      this.apply(step);
      this.cancelStep = this.clock.setTimeout(() => run(i + 1), step.ms);
    };
    run(0);
  }

  /** All off, pattern cancelled. */
  stop(): void {
    this.generation++;
    this.cancelStep?.();
    this.apply(off(0));
  }

  private apply(step: Step): void {
    Promise.all([
      this.lines.green.write(step.green),
      this.lines.red.write(step.red),
      this.lines.buzzer.write(step.buzzer),
    ]).catch((err: Error) => this.onError(err));
  }
}
