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
   * `alongside` writes other state in that transaction (a grant's lockout reset); `also` are rows
   * committed with it (a soft anti-passback note).
   */
  commit(entry: AuditEntry, holder: Holder, alongside?: () => void, also: readonly AuditEntry[] = []): void {
    if (!holder?.duress && !alongside && also.length === 0) {
      this.deps.record(entry);
      return;
    }
    const rows = [entry, ...also, ...(holder?.duress ? [duressAlarm(entry, holder)] : [])];
    this.deps.recordAll(rows, alongside);
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
    this.commitCounted(
      { kind: "access", reason, credential: kind, outcome: "denied", userCode, detail: detail ?? null },
      lockoutKey,
      holder,
    );
  }

  /**
   * A denied attempt's row, its duress alarm if any, the lockout it starts if it starts one and
   * the new failure count, all in one transaction: a denial costs one fsync, like a grant. The
   * count is applied in memory only once that committed (a row that could not be written throws
   * here, as `commit` does, and counts nothing).
   */
  commitCounted(entry: AuditEntry, lockoutKey: LockoutKey, holder: Holder): void {
    const failure = this.lockouts.failure(lockoutKey, this.deps.clock.now());
    const rows = holder?.duress ? [entry, duressAlarm(entry, holder)] : [entry];
    if (failure.started) {
      rows.push({
        kind: "system",
        reason: "lockout_started",
        credential: entry.credential ?? null,
        detail: {
          lockout_s: failure.started.lockedForMs / 1000,
          lockout_number: failure.started.lockoutNumber,
        },
      });
    }
    this.deps.recordAll(rows, failure.persist ?? undefined);
    failure.apply();
    this.feedback(failure.started ? "locked_out" : "denied");
  }

  lockedOut(credential: FactorKind, holder: Holder): void {
    this.commit({ kind: "access", reason: "locked_out", credential, outcome: "denied" }, holder);
    this.feedback("locked_out");
  }
}

/** The silent alarm committed with a duress PIN's row, whatever the decision. */
function duressAlarm(entry: AuditEntry, holder: CredentialHolder): AuditEntry {
  return {
    kind: "system",
    reason: "duress",
    credential: entry.credential ?? null,
    userCode: holder.user.userCode,
  };
}

/** The lockout counter an attempt counts toward (see CredentialLockouts). */
export function lockoutKeyOf(kind: FactorKind, lookup: string | null): LockoutKey {
  return kind === "badge" ? { kind, lookup } : { kind };
}
