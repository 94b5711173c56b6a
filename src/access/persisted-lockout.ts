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

  /** Reads the saved state; `fallbackKey` is where an older version kept it, read if this key is absent. */
  load(fallbackKey?: string): void {
    this.state =
      this.kv.getJson<LockoutState>(this.key) ??
      (fallbackKey ? this.kv.getJson<LockoutState>(fallbackKey) : undefined) ??
      initialLockout;
  }

  /** What `status` reports for a state (also used for states kept outside this class). */
  static describe(
    state: LockoutState,
    nowMs: number,
  ): { lockedOut: boolean; untilMs: number | null; failures: number } {
    const lockedOut = isLockedOut(state, nowMs);
    return {
      lockedOut,
      untilMs: lockedOut ? state.lockedUntilMs : null,
      failures: state.consecutiveFailures,
    };
  }

  /** The pure step of one failure, with the lockout it started in the shape `failed` returns. */
  static step(
    previous: LockoutState,
    nowMs: number,
    policy: LockoutPolicy,
  ): { state: LockoutState; started: { lockedForMs: number; lockoutNumber: number } | null } {
    const { state, lockedForMs } = recordFailure(previous, nowMs, policy);
    return { state, started: lockedForMs === null ? null : { lockedForMs, lockoutNumber: state.lockouts } };
  }

  isLockedOut(nowMs: number): boolean {
    return isLockedOut(this.state, nowMs);
  }

  status(nowMs: number): { lockedOut: boolean; untilMs: number | null; failures: number } {
    return PersistedLockout.describe(this.state, nowMs);
  }

  succeeded(): void {
    this.save(recordSuccess());
  }

  /** One failed attempt; returns the lockout it started, if it started one. */
  failed(nowMs: number): { lockedForMs: number; lockoutNumber: number } | null {
    const { state, started } = PersistedLockout.step(this.state, nowMs, this.policy);
    this.save(state);
    return started;
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
