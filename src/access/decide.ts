import type { User } from "../store/user-store.js";
import type { LocalTime } from "./local-time.js";
import { anyScheduleOpen, type CompiledSchedule } from "./schedule.js";
import { type PendingPerson, twoPersonStep } from "./two-person.js";

export type DenyReason =
  | "unknown_credential"
  | "user_disabled"
  | "not_yet_valid"
  | "expired"
  | "locked_out"
  | "lockdown"
  | "agreement_missing"
  | "agreement_expired"
  | "outside_schedule"
  | "same_person"
  // Rules that span doors (src/site/): decided by DoorRules after decide() let the person through.
  | "no_access_to_door"
  | "interlock"
  | "passback";
/** Denials of a known person by policy: not guessing, so they do not count toward the keypad lockout. */
const POLICY_DENIALS = new Set<DenyReason>([
  "lockdown",
  "agreement_missing",
  "agreement_expired",
  "outside_schedule",
  "same_person",
  "no_access_to_door",
  "interlock",
  "passback",
]);

export function isPolicyDenial(reason: DenyReason): boolean {
  return POLICY_DENIALS.has(reason);
}

export type Reason = "granted" | "awaiting_second_person" | DenyReason;

export interface Attempt {
  /** The holder of the presented credential, or undefined when nobody holds it. */
  user: User | undefined;
  /** The credential was the holder's duress PIN: grant as usual, raise the silent alarm. */
  duress?: boolean;
}

export type DoorMode = "normal" | "lockdown" | "emergency_unlock";

/** What the records-room rules need to know about "now"; absent means the plain front-door path. */
export interface PolicyContext {
  mode: DoorMode;
  local: LocalTime;
  schedules: ReadonlyMap<number, CompiledSchedule>;
  holidays: ReadonlySet<string>;
  requireSchedule: boolean;
  requireAgreement: boolean;
  twoPerson: {
    /** The rule applies now (enabled, and inside one of its schedules if it names any). */
    active: boolean;
    windowMs: number;
    pending: PendingPerson | null;
  };
}

export interface DecisionContext {
  nowMs: number;
  policy?: PolicyContext;
}

export type Decision =
  | { outcome: "granted"; reason: "granted"; userCode: string; duress: boolean; secondUserCode?: string }
  | {
      outcome: "waiting";
      reason: "awaiting_second_person";
      userCode: string;
      duress: boolean;
      pending: PendingPerson;
    }
  | { outcome: "denied"; reason: DenyReason; userCode: string | null; duress: boolean };

/**
 * The access decision. Pure: no I/O, no clock read, so every rule can be tested exhaustively.
 * Lockout is not decided here: it is per credential kind and checked by the access service before
 * a decision (CredentialLockouts), so a duress PIN still raises its alarm during one.
 * Order matters: who it is first, then the door's
 * mode (lockdown lets only `override` users in), then whether that person may pass now
 * (enabled, validity, agreement, schedule), and last the two-person rule, which only counts
 * people who would have been let in on their own.
 *
 * Duress never changes the outcome: a duress PIN that would be denied is denied (the alarm is
 * still raised by the caller), one that would be granted is granted.
 */
export function decide(attempt: Attempt, ctx: DecisionContext): Decision {
  const duress = attempt.duress === true;
  const user = attempt.user;
  if (!user) return { outcome: "denied", reason: "unknown_credential", userCode: null, duress };
  const deny = (reason: DenyReason): Decision => ({
    outcome: "denied",
    reason,
    userCode: user.userCode,
    duress,
  });
  const p = ctx.policy;
  if (p?.mode === "lockdown" && user.role !== "override") return deny("lockdown");
  if (!user.enabled) return deny("user_disabled");
  if (user.validFromMs !== null && ctx.nowMs < user.validFromMs) return deny("not_yet_valid");
  if (user.validUntilMs !== null && ctx.nowMs >= user.validUntilMs) return deny("expired");
  if (p) {
    if (p.requireAgreement) {
      if (user.agreementUntilMs === null) return deny("agreement_missing");
      if (ctx.nowMs >= user.agreementUntilMs) return deny("agreement_expired");
    }
    if (user.scheduleIds.length > 0) {
      if (!anyScheduleOpen(user.scheduleIds, p.schedules, p.local, p.holidays))
        return deny("outside_schedule");
    } else if (p.requireSchedule) {
      return deny("outside_schedule");
    }
    if (p.twoPerson.active) {
      const step = twoPersonStep(p.twoPerson.pending, user.userCode, ctx.nowMs, p.twoPerson.windowMs);
      if (step.type === "same_person") return deny("same_person");
      if (step.type === "wait") {
        return {
          outcome: "waiting",
          reason: "awaiting_second_person",
          userCode: user.userCode,
          duress,
          pending: step.pending,
        };
      }
      return {
        outcome: "granted",
        reason: "granted",
        userCode: step.firstUserCode,
        duress,
        secondUserCode: user.userCode,
      };
    }
  }
  return { outcome: "granted", reason: "granted", userCode: user.userCode, duress };
}
