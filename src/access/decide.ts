import type { User } from "../store/user-store.js";

export type DenyReason = "unknown_credential" | "user_disabled" | "not_yet_valid" | "expired" | "locked_out";
export type Reason = "granted" | DenyReason;

export interface Attempt {
  /** The holder of the presented credential, or undefined when nobody holds it. */
  user: User | undefined;
}

export interface DecisionContext {
  nowMs: number;
  lockedOut: boolean;
}

export type Decision =
  | { outcome: "granted"; reason: "granted"; userCode: string }
  | { outcome: "denied"; reason: DenyReason; userCode: string | null };

/**
 * The access decision. Pure: no I/O, no clock read, so every rule can be tested exhaustively.
 * Order matters: lockout first (the keypad is refusing input), then who it is, then whether
 * that person may pass now.
 */
export function decide(attempt: Attempt, ctx: DecisionContext): Decision {
  if (ctx.lockedOut)
    return { outcome: "denied", reason: "locked_out", userCode: attempt.user?.userCode ?? null };
  const user = attempt.user;
  if (!user) return { outcome: "denied", reason: "unknown_credential", userCode: null };
  const deny = (reason: DenyReason): Decision => ({ outcome: "denied", reason, userCode: user.userCode });
  if (!user.enabled) return deny("user_disabled");
  if (user.validFromMs !== null && ctx.nowMs < user.validFromMs) return deny("not_yet_valid");
  if (user.validUntilMs !== null && ctx.nowMs >= user.validUntilMs) return deny("expired");
  return { outcome: "granted", reason: "granted", userCode: user.userCode };
}
