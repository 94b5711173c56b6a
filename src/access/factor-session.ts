/**
 * Multi-factor sessions, purely: which credential kinds a mode accepts, and what one presented
 * factor means given the session in progress. No I/O and no clock reads: time is passed in.
 *
 * In a two-factor mode the two kinds may come in either order; the second must be the other
 * kind, from the same user, within the window. Presenting the same kind again restarts the
 * session (someone re-typed their PIN, or a different person stepped up).
 */
export type AccessMode =
  | "any"
  | "pin_and_fingerprint"
  | "badge_and_pin"
  | "badge_and_fingerprint"
  | "fingerprint_only";
export type FactorKind = "pin" | "badge" | "fingerprint";

export interface FactorPolicy {
  mode: AccessMode;
  windowMs: number;
}

export interface FactorSession {
  userId: number;
  userCode: string;
  first: FactorKind;
  startedMs: number;
}

/** A factor whose holder is known (unknown credentials are denied before they get here). */
export interface PresentedFactor {
  kind: FactorKind;
  userId: number;
  userCode: string;
}

export type FactorStep =
  /** This kind does not open the door in this mode. The session is left as it was. */
  | { type: "not_accepted" }
  /** One-factor mode: decide on this credential alone. */
  | { type: "single" }
  /** First factor of two: wait for the other kind from the same user. */
  | { type: "first" }
  /** The other kind, same user, in time: decide on the user. */
  | { type: "complete"; factors: [FactorKind, FactorKind] }
  /** The other kind from someone else: denied factor_mismatch, the session ends. */
  | { type: "mismatch"; first: FactorSession };

const PAIRS: Partial<Record<AccessMode, [FactorKind, FactorKind]>> = {
  pin_and_fingerprint: ["pin", "fingerprint"],
  badge_and_pin: ["badge", "pin"],
  badge_and_fingerprint: ["badge", "fingerprint"],
};

export function isTwoFactor(mode: AccessMode): boolean {
  return PAIRS[mode] !== undefined;
}

export function acceptsFactor(mode: AccessMode, kind: FactorKind): boolean {
  if (mode === "any") return true;
  if (mode === "fingerprint_only") return kind === "fingerprint";
  return PAIRS[mode]?.includes(kind) ?? false;
}

/** The session if it has outlived the window at nowMs (then it must be logged as a timeout), else null. */
export function expiredSession(
  session: FactorSession | null,
  nowMs: number,
  policy: FactorPolicy,
): FactorSession | null {
  return session && nowMs - session.startedMs >= policy.windowMs ? session : null;
}

/**
 * What one presented factor does. Returns the next session and the step; `expired` is the old
 * session when it had already run out (the caller logs its timeout before acting on the step).
 */
export function presentFactor(
  session: FactorSession | null,
  factor: PresentedFactor,
  nowMs: number,
  policy: FactorPolicy,
): { session: FactorSession | null; step: FactorStep; expired: FactorSession | null } {
  const expired = expiredSession(session, nowMs, policy);
  const current = expired ? null : session;
  if (!acceptsFactor(policy.mode, factor.kind))
    return { session: current, step: { type: "not_accepted" }, expired };
  if (!isTwoFactor(policy.mode)) return { session: null, step: { type: "single" }, expired };
  if (!current || current.first === factor.kind) {
    const started: FactorSession = {
      userId: factor.userId,
      userCode: factor.userCode,
      first: factor.kind,
      startedMs: nowMs,
    };
    return { session: started, step: { type: "first" }, expired };
  }
  if (current.userId !== factor.userId)
    return { session: null, step: { type: "mismatch", first: current }, expired };
  return { session: null, step: { type: "complete", factors: [current.first, factor.kind] }, expired };
}
