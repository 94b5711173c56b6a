import type { AuditEntry, CredentialType } from "../audit/audit-log.js";
import {
  type DoorRules,
  type PassageAttempt,
  type PassageDirection,
  passageDetail,
  type ReleaseCause,
  type RuleVerdict,
} from "../site/door-rules.js";
import type { Decision } from "./decide.js";

/** The reader a credential came from and its direction, when the door knows them. */
export interface PassageSource {
  reader: string | null;
  direction: PassageDirection | null;
}

export const NO_SOURCE: PassageSource = { reader: null, direction: null };

/** A decision after the rules that span doors had their say, with what the rows must carry. */
export interface GatedDecision {
  decision: Decision;
  /** Merged into the attempt's row: a denial's detail, or a grant's direction. */
  detail: Record<string, unknown>;
  /** Rows committed with the attempt's row (a soft anti-passback note). */
  alsoRecord: AuditEntry[];
  /** Call after the rows are committed, before the relay is driven. */
  passed(): void;
}

/**
 * How an access service consults DoorRules: the attempt as the rules see it, a denial turned
 * into a denied decision, a note into its own row. Without rules every call is a no-op.
 */
export class DoorRulesGate {
  constructor(
    private readonly rules: DoorRules | undefined,
    private readonly doorId: string,
  ) {}

  /**
   * The rules see only people decide() let through (or keeps waiting under the two-person rule);
   * a denial replaces the decision, so the two-person state never counts someone this door refuses.
   */
  credential(
    decision: Decision,
    person: { userId: number | null; userCode: string | null; levelsInUse?: boolean },
    credential: CredentialType,
    source: PassageSource,
    nowMs: number,
  ): GatedDecision {
    const passage: PassageAttempt = {
      door: this.doorId,
      cause: "credential",
      reader: source.reader,
      direction: source.direction,
      userId: person.userId,
      userCode: person.userCode ?? decision.userCode,
      levelsInUse: person.levelsInUse,
      nowMs,
    };
    const verdict = decision.outcome === "denied" ? null : (this.rules?.check(passage) ?? null);
    if (verdict?.type === "deny") {
      return {
        decision: {
          outcome: "denied",
          reason: verdict.reason,
          userCode: decision.userCode,
          duress: decision.duress,
        },
        detail: verdict.detail ?? {},
        alsoRecord: [],
        passed: () => {},
      };
    }
    if (decision.outcome !== "granted") return { decision, detail: {}, alsoRecord: [], passed: () => {} };
    return {
      decision,
      // A granted row carries its direction: occupancy is folded from these rows.
      detail: passageDetail(passage),
      alsoRecord: verdict?.type === "note" ? [noteRow(verdict, credential, passage.userCode)] : [],
      passed: () => this.rules?.passed({ ...passage, secondUserCode: decision.secondUserCode ?? null }),
    };
  }

  /** A release that names no person: a remote unlock (interlock applies) or REX (only with rex_respects). */
  release(
    cause: Exclude<ReleaseCause, "credential">,
    nowMs: number,
    /** Given, a rule that throws lets the release through (request-to-exit: egress first). */
    failOpen?: (err: unknown) => void,
  ): { verdict: RuleVerdict | null; passed(): void } {
    const attempt: PassageAttempt = {
      door: this.doorId,
      cause,
      reader: null,
      direction: null,
      userId: null,
      userCode: null,
      nowMs,
    };
    const guard = (fn: () => void) => {
      try {
        fn();
      } catch (err) {
        if (!failOpen) throw err;
        failOpen(err);
      }
    };
    let verdict: RuleVerdict | null = null;
    guard(() => {
      verdict = this.rules?.check(attempt) ?? null;
    });
    return { verdict, passed: () => guard(() => this.rules?.passed(attempt)) };
  }
}

function noteRow(verdict: RuleVerdict, credential: CredentialType, userCode: string | null): AuditEntry {
  return {
    kind: "access",
    reason: verdict.reason,
    credential,
    outcome: null,
    userCode,
    detail: verdict.detail ?? null,
  };
}
