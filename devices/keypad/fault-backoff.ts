/**
 * Tracks whether a part is faulted and how long to wait before the next attempt:
 * initialMs, doubling on each further failure, capped at maxMs. Reset by a success.
 */
export class FaultBackoff {
  private nextDelayMs: number;
  private faultSinceMs: number | null = null;

  constructor(
    private readonly initialMs = 100,
    private readonly maxMs = 5000,
  ) {
    this.nextDelayMs = initialMs;
  }

  get faulted(): boolean {
    return this.faultSinceMs !== null;
  }

  /** How long the current fault has lasted (0 when healthy). */
  outageMs(nowMs: number): number {
    return this.faultSinceMs === null ? 0 : nowMs - this.faultSinceMs;
  }

  /** Records a failure; returns the wait before retrying and whether this failure started a fault. */
  failed(nowMs: number): { delayMs: number; started: boolean } {
    const started = this.faultSinceMs === null;
    if (started) {
      this.faultSinceMs = nowMs;
      this.nextDelayMs = this.initialMs;
    }
    const delayMs = this.nextDelayMs;
    this.nextDelayMs = Math.min(this.maxMs, this.nextDelayMs * 2);
    return { delayMs, started };
  }

  /** Records a success; returns how long the fault lasted, or null if there was none. */
  succeeded(nowMs: number): number | null {
    if (this.faultSinceMs === null) return null;
    const lastedMs = nowMs - this.faultSinceMs;
    this.faultSinceMs = null;
    this.nextDelayMs = this.initialMs;
    return lastedMs;
  }
}
