import type { IndicatorPattern } from "../../devices/indicator/indicator.js";
import type { AuditEntry } from "../audit/audit-log.js";
import type { CredentialHolder } from "../store/user-store.js";
import type { AccessServiceDeps } from "./access-deps.js";
import type { CredentialLockouts, LockoutKey } from "./credential-lockouts.js";
import type { FactorKind } from "./factor-session.js";

/** Who holds a presented credential, whether it was their duress PIN, and the policy revision read with them. */
export type Holder = CredentialHolder | undefined;

/**
 * How the access service writes an attempt: its row, the duress alarm with it, the lockout count
 * and the feedback that goes with each. Every write commits before the caller acts on the door.
 */
export class AttemptRecorder {
  constructor(
    private readonly deps: Pick<AccessServiceDeps, "record" | "recordAll" | "clock">,
    private readonly lockouts: CredentialLockouts,
    private readonly feedback: (pattern: IndicatorPattern) => void,
  ) {}

  /**
   * Commits an attempt's row; when the credential was a duress PIN, the silent alarm goes in the
   * same transaction, whatever the decision, so the alarm is never lost and never delays the door.
   * `also`: rows committed with it (a soft anti-passback note).
   */
  commit(entry: AuditEntry, holder: Holder, also: readonly AuditEntry[] = []): void {
    if (!holder?.duress) {
      if (also.length === 0) this.deps.record(entry);
      else this.deps.recordAll([entry, ...also]);
      return;
    }
    const alarm: AuditEntry = {
      kind: "system",
      reason: "duress",
      credential: entry.credential ?? null,
      userCode: holder.user.userCode,
    };
    this.deps.recordAll([entry, ...also, alarm]);
  }

  /** A denied attempt that counts toward lockout (unknown credential, mismatch, invalid user). */
  deniedAndCounted(
    kind: FactorKind,
    lockoutKey: LockoutKey,
    reason: string,
    userCode: string | null,
    detail?: Record<string, unknown>,
    holder?: Holder,
  ): void {
    this.commit(
      { kind: "access", reason, credential: kind, outcome: "denied", userCode, detail: detail ?? null },
      holder,
    );
    this.countFailure(kind, lockoutKey);
  }

  countFailure(credential: FactorKind, lockoutKey: LockoutKey): void {
    const started = this.lockouts.failed(lockoutKey, this.deps.clock.now());
    if (!started) {
      this.feedback("denied");
      return;
    }
    this.deps.record({
      kind: "system",
      reason: "lockout_started",
      credential,
      detail: { lockout_s: started.lockedForMs / 1000, lockout_number: started.lockoutNumber },
    });
    this.feedback("locked_out");
  }

  lockedOut(credential: FactorKind, holder: Holder): void {
    this.commit({ kind: "access", reason: "locked_out", credential, outcome: "denied" }, holder);
    this.feedback("locked_out");
  }
}

/** The lockout counter an attempt counts toward (see CredentialLockouts). */
export function lockoutKeyOf(kind: FactorKind, lookup: string | null): LockoutKey {
  return kind === "badge" ? { kind, lookup } : { kind };
}
