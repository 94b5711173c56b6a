import type { Clock } from "../../../devices/types.js";

/**
 * Login attempts per client address in a sliding one-minute window. This bounds guessing
 * across many account names; the per-account lock (in the store) bounds guessing one account.
 */
export class LoginRateLimiter {
  private readonly attempts = new Map<string, number[]>();

  constructor(
    private readonly clock: Pick<Clock, "now">,
    private readonly perMinute: number,
  ) {}

  /** Counts an attempt; false when this address has used up its minute. */
  allow(address: string): boolean {
    const now = this.clock.now();
    const recent = (this.attempts.get(address) ?? []).filter((t) => now - t < 60_000);
    if (recent.length >= this.perMinute) {
      this.attempts.set(address, recent);
      return false;
    }
    recent.push(now);
    this.attempts.set(address, recent);
    if (this.attempts.size > 10_000) this.attempts.clear(); // a flood of addresses cannot grow memory without bound
    return true;
  }

  /** Seconds until this address may try again. */
  retryAfterS(address: string): number {
    const oldest = this.attempts.get(address)?.[0];
    return oldest === undefined ? 0 : Math.max(1, Math.ceil((oldest + 60_000 - this.clock.now()) / 1000));
  }
}
