export interface LockoutPolicy {
  maxFailures: number;
  baseMs: number;
  maxMs: number;
}

export interface LockoutState {
  consecutiveFailures: number;
  /** How many lockouts since the last success: each one doubles the next back-off. */
  lockouts: number;
  lockedUntilMs: number | null;
}

export const initialLockout: LockoutState = { consecutiveFailures: 0, lockouts: 0, lockedUntilMs: null };

export function isLockedOut(state: LockoutState, nowMs: number): boolean {
  return state.lockedUntilMs !== null && nowMs < state.lockedUntilMs;
}

/** Back-off for the nth lockout (0-based): base, 2×base, 4×base, … capped at max. */
export function lockoutDurationMs(lockouts: number, policy: LockoutPolicy): number {
  return Math.min(policy.baseMs * 2 ** Math.min(lockouts, 30), policy.maxMs);
}

/** A failed attempt. Returns the new state and, when it trips the lockout, how long it lasts. */
export function recordFailure(
  state: LockoutState,
  nowMs: number,
  policy: LockoutPolicy,
): { state: LockoutState; lockedForMs: number | null } {
  const failures = state.consecutiveFailures + 1;
  if (failures < policy.maxFailures) {
    return { state: { ...state, consecutiveFailures: failures }, lockedForMs: null };
  }
  const lockedForMs = lockoutDurationMs(state.lockouts, policy);
  return {
    state: { consecutiveFailures: 0, lockouts: state.lockouts + 1, lockedUntilMs: nowMs + lockedForMs },
    lockedForMs,
  };
}

export function recordSuccess(): LockoutState {
  return initialLockout;
}
