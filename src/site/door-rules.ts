/**
 * The one interface a door consults for the rules that span doors (access levels per door,
 * interlocks, anti-passback and occupancy). A door never reaches into another door: it asks
 * here, and tells here what it let through.
 *
 * Contract for the caller (the door's access path), in this order and without an await
 * between check and passed, so two doors can never both pass an interlock in the same instant:
 *   1. verdict = check(attempt)  — after decide() let the person (or the remote request) through;
 *   2. a "deny" verdict: commit a denied row with verdict.reason (and detail), show "denied", stop;
 *   3. commit the granted row (with passageDetail(attempt) in its detail), then a "note"
 *      verdict's row (reason "passback", outcome null), then call passed(attempt);
 *   4. only then drive the relay.
 */

export type PassageDirection = "in" | "out";

/** What caused a release: a person's credential, a remote/web unlock, or the request-to-exit button. */
export type ReleaseCause = "credential" | "remote" | "exit";

export interface PassageAttempt {
  door: string;
  cause: ReleaseCause;
  /** The reader the credential came from; null for remote unlocks, REX, and readers without an id. */
  reader: string | null;
  /** The reader's direction; null when it has none (one-door sites): no anti-passback, no occupancy. */
  direction: PassageDirection | null;
  /** The person (credential attempts); null for remote unlocks and REX. */
  userId: number | null;
  userCode: string | null;
  /** Whether the site uses access levels, when read with the person's credential; absent = ask. */
  levelsInUse?: boolean;
  /** A second person let through with the same grant (two-person rule). */
  secondUserCode?: string | null;
  nowMs: number;
}

export type RuleDenialReason = "no_access_to_door" | "outside_schedule" | "interlock" | "passback";

export type RuleVerdict =
  | { type: "deny"; reason: RuleDenialReason; detail?: Record<string, unknown> }
  /** Let through, and log this as its own row next to the grant (soft anti-passback). */
  | { type: "note"; reason: "passback"; detail?: Record<string, unknown> };

export interface DoorRules {
  /** Null: nothing to say, go ahead. Pure with respect to the door: records nothing. */
  check(attempt: PassageAttempt): RuleVerdict | null;
  /** The grant for this attempt is committed and the relay is about to be driven. */
  passed(attempt: PassageAttempt): void;
}

/** What a granted row carries so occupancy can be rebuilt from the log (the door writes `reader` itself). */
export function passageDetail(a: PassageAttempt): Record<string, unknown> {
  return a.direction === null ? {} : { direction: a.direction };
}

/** No rule at all: what a door uses when the site has no rules service (tests, one-door tools). */
export const NO_DOOR_RULES: DoorRules = {
  check: () => null,
  passed: () => {},
};
