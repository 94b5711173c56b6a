import type { KeyValueStore } from "../store/key-value-store.js";
import { initialLockout, isLockedOut, type LockoutPolicy, type LockoutState } from "./lockout.js";
import { type PendingLockoutChange, PersistedLockout } from "./persisted-lockout.js";

/** The credential kinds that can be guessed at the door, each with its own lockout. */
export type LockoutKind = "pin" | "fingerprint" | "badge";

/**
 * Which counter an attempt counts toward: the PIN keypad and the fingerprint sensor each have
 * one (a guessed PIN or an unknown finger says nothing about who is guessing), badges one per
 * badge number (its keyed hash: a card is an identity). So a stranger guessing PINs locks the
 * keypad only, and a refused card locks that card only; fingers and other cards still work.
 */
export type LockoutKey = { kind: "pin" } | { kind: "fingerprint" } | { kind: "badge"; lookup: string | null };

/** The kv key of the single keypad-wide lockout kept before lockouts were per kind: read as the PIN lockout. */
const LEGACY_KEYPAD_KEY = "lockout:keypad";
const BADGES_KEY = "lockout:badges";
/**
 * Badge counters kept at most: an attacker cycling card numbers must not grow the table without
 * end. Beyond it the counters not locked out go first (oldest first), then the oldest lockouts.
 */
export const MAX_TRACKED_BADGES = 256;

type BadgeStates = Record<string, LockoutState>;

export interface LockoutStatus {
  lockedOut: boolean;
  untilMs: number | null;
  failures: number;
}

/** The lockouts of every credential kind, in memory and in the kv table (a restart keeps them). */
export class CredentialLockouts {
  private readonly pin: PersistedLockout;
  private readonly fingerprint: PersistedLockout;
  /** Insertion order = least recently failed first (a failure re-inserts the entry). */
  private badges = new Map<string, LockoutState>();

  constructor(
    private readonly kv: KeyValueStore,
    private readonly policy: LockoutPolicy,
    private readonly onError: (context: string, err: unknown) => void,
  ) {
    this.pin = new PersistedLockout(kv, policy, onError, "lockout:pin");
    this.fingerprint = new PersistedLockout(kv, policy, onError, "lockout:fingerprint");
  }

  load(): void {
    this.pin.load(LEGACY_KEYPAD_KEY);
    this.fingerprint.load();
    this.badges = new Map(Object.entries(this.kv.getJson<BadgeStates>(BADGES_KEY) ?? {}));
  }

  isLockedOut(key: LockoutKey, nowMs: number): boolean {
    if (key.kind !== "badge") return this[key.kind].isLockedOut(nowMs);
    return key.lookup !== null && isLockedOut(this.badges.get(key.lookup) ?? initialLockout, nowMs);
  }

  /** One kind's state; for badges, the badge locked out longest (or with the most failures). */
  status(kind: LockoutKind, nowMs: number): LockoutStatus {
    if (kind !== "badge") return this[kind].status(nowMs);
    let worst: LockoutStatus = { lockedOut: false, untilMs: null, failures: 0 };
    for (const state of this.badges.values()) {
      const s = PersistedLockout.describe(state, nowMs);
      if (
        s.lockedOut
          ? (s.untilMs ?? 0) > (worst.untilMs ?? 0)
          : !worst.lockedOut && s.failures > worst.failures
      )
        worst = s;
    }
    return worst;
  }

  succeeded(key: LockoutKey): void {
    if (key.kind !== "badge") {
      this[key.kind].succeeded();
      return;
    }
    if (key.lookup === null || !this.badges.delete(key.lookup)) return;
    this.saveBadges();
  }

  /**
   * A success (resets the count), not yet applied: the caller persists it in the transaction of
   * the grant's row (one fsync, before the relay) and applies it once that committed.
   */
  success(key: LockoutKey): PendingLockoutChange {
    if (key.kind !== "badge") return this[key.kind].success();
    const { lookup } = key;
    if (lookup === null || !this.badges.has(lookup)) return { started: null, persist: null, apply: () => {} };
    const next = new Map(this.badges);
    next.delete(lookup);
    return {
      started: null,
      persist: () => this.saveBadges(next),
      apply: () => {
        this.badges = next;
      },
    };
  }

  /** One failed attempt; returns the lockout it started, if it started one. */
  failed(key: LockoutKey, nowMs: number): { lockedForMs: number; lockoutNumber: number } | null {
    const pending = this.failure(key, nowMs);
    pending.persist?.();
    pending.apply();
    return pending.started;
  }

  /**
   * One failed attempt, computed but not yet counted: the caller persists it in the transaction
   * of the attempt's row and applies it once that committed (see PendingLockoutChange).
   */
  failure(key: LockoutKey, nowMs: number): PendingLockoutChange {
    if (key.kind !== "badge") return this[key.kind].failure(nowMs);
    // unreadable card: nothing to count against
    if (key.lookup === null) return { started: null, persist: null, apply: () => {} };
    const previous = this.badges.get(key.lookup) ?? initialLockout;
    const { state, started } = PersistedLockout.step(previous, nowMs, this.policy);
    const next = new Map(this.badges);
    next.delete(key.lookup);
    next.set(key.lookup, state);
    evictBeyondLimit(next, nowMs);
    return {
      started,
      persist: () => this.saveBadges(next),
      apply: () => {
        this.badges = next;
      },
    };
  }

  private saveBadges(badges = this.badges): void {
    try {
      this.kv.setJson(BADGES_KEY, Object.fromEntries(badges));
    } catch (err) {
      // Enforced in memory regardless; only a restart would forget it.
      this.onError("lockout persistence", err);
    }
  }
}

function evictBeyondLimit(badges: Map<string, LockoutState>, nowMs: number): void {
  for (const [lookup, state] of badges) {
    if (badges.size <= MAX_TRACKED_BADGES) return;
    if (!isLockedOut(state, nowMs)) badges.delete(lookup);
  }
  for (const lookup of badges.keys()) {
    if (badges.size <= MAX_TRACKED_BADGES) return;
    badges.delete(lookup);
  }
}
