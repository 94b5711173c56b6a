import type { KeyValueStore } from "../store/key-value-store.js";
import {
  initialLockout,
  isLockedOut,
  type LockoutPolicy,
  type LockoutState,
  recordFailure,
  recordSuccess,
} from "./lockout.js";

const LOCKOUT_KEY = "lockout:keypad";

/**
 * The controller's lockout state, kept in memory and in the kv table so a restart (or pulling
 * the plug) does not reset the back-off. The rules themselves are the pure functions of lockout.ts.
 */
export class PersistedLockout {
  private state: LockoutState = initialLockout;

  constructor(
    private readonly kv: KeyValueStore,
    private readonly policy: LockoutPolicy,
    private readonly onError: (context: string, err: unknown) => void,
    /** kv key; another credential path (the MQTT Home Assistant code) keeps its own count. */
    private readonly key: string = LOCKOUT_KEY,
  ) {}

  load(): void {
    this.state = this.kv.getJson<LockoutState>(this.key) ?? initialLockout;
  }

  isLockedOut(nowMs: number): boolean {
    return isLockedOut(this.state, nowMs);
  }

  status(nowMs: number): { lockedOut: boolean; untilMs: number | null; failures: number } {
    const lockedOut = isLockedOut(this.state, nowMs);
    return {
      lockedOut,
      untilMs: lockedOut ? this.state.lockedUntilMs : null,
      failures: this.state.consecutiveFailures,
    };
  }

  succeeded(): void {
    this.save(recordSuccess());
  }

  /** One failed attempt; returns the lockout it started, if it started one. */
  failed(nowMs: number): { lockedForMs: number; lockoutNumber: number } | null {
    const { state, lockedForMs } = recordFailure(this.state, nowMs, this.policy);
    this.save(state);
    return lockedForMs === null ? null : { lockedForMs, lockoutNumber: state.lockouts };
  }

  private save(state: LockoutState): void {
    // Most grants follow no failure: skip the write (and its fsync) when nothing changed.
    if (JSON.stringify(state) === JSON.stringify(this.state)) return;
    this.state = state;
    try {
      this.kv.setJson(this.key, state);
    } catch (err) {
      // Enforced in memory regardless; only a restart would forget it.
      this.onError("lockout persistence", err);
    }
  }
}
