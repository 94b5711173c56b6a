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
 * A failed attempt (or a success) computed but not yet counted, so its new state can be written in the same
 * transaction as the attempt's audit row (one fsync per denial): `persist` writes it (inside that
 * transaction; a failure to write is reported, the count is enforced in memory regardless),
 * `apply` counts it in memory once the row has committed.
 */
export interface PendingLockoutChange {
  started: { lockedForMs: number; lockoutNumber: number } | null;
  /** Null when there is nothing to write: the attempt's row then commits alone (see AuditLog.appendOne). */
  persist: (() => void) | null;
  apply: () => void;
}

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

  /** A success, not yet applied (see PendingLockoutChange): writes nothing when no failure was counted. */
  success(): PendingLockoutChange {
    const state = recordSuccess();
    const s = this.state;
    const changed =
      s.consecutiveFailures !== state.consecutiveFailures ||
      s.lockouts !== state.lockouts ||
      s.lockedUntilMs !== state.lockedUntilMs;
    return {
      started: null,
      persist: changed ? () => this.write(state) : null,
      apply: () => {
        this.state = state;
      },
    };
  }

  /** One failed attempt; returns the lockout it started, if it started one. */
  failed(nowMs: number): { lockedForMs: number; lockoutNumber: number } | null {
    const pending = this.failure(nowMs);
    pending.persist?.();
    pending.apply();
    return pending.started;
  }

  /** One failed attempt, not yet counted: see PendingLockoutChange. */
  failure(nowMs: number): PendingLockoutChange {
    const { state, started } = PersistedLockout.step(this.state, nowMs, this.policy);
    return {
      started,
      persist: () => this.write(state),
      apply: () => {
        this.state = state;
      },
    };
  }

  private save(state: LockoutState): void {
    // Most grants follow no failure: skip the write (and its fsync) when nothing changed.
    if (JSON.stringify(state) === JSON.stringify(this.state)) return;
    this.state = state;
    this.write(state);
  }

  private write(state: LockoutState): void {
    try {
      this.kv.setJson(this.key, state);
    } catch (err) {
      // Enforced in memory regardless; only a restart would forget it.
      this.onError("lockout persistence", err);
    }
  }
}
