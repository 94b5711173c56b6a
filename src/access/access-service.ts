import type { Indicator, IndicatorPattern } from "../../devices/indicator/indicator.js";
import type { Clock, KeypadKey } from "../../devices/types.js";
import type { AuditEntry, AuditRecord, CredentialType } from "../audit/audit-log.js";
import type { DoorController } from "../door/door-controller.js";
import type { CredentialHasher } from "../secrets/credential-hasher.js";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { UserStore } from "../store/user-store.js";
import type { User } from "../store/user-store.js";
import { decide } from "./decide.js";
import { expiredSession, type FactorKind, type FactorPolicy, type FactorSession, presentFactor } from "./factor-session.js";
import { initialLockout, isLockedOut, type LockoutPolicy, type LockoutState, recordFailure, recordSuccess } from "./lockout.js";
import { emptyPinEntry, expirePinEntry, type PinEntryPolicy, type PinEntryState, pressKey } from "./pin-entry.js";

export interface AccessServiceDeps {
  users: UserStore;
  hasher: CredentialHasher;
  kv: KeyValueStore;
  door: DoorController;
  indicator: Indicator;
  clock: Clock;
  /** Commits an audit row durably; throws if it cannot (disk full, I/O error). */
  record: (entry: AuditEntry) => AuditRecord;
  onError: (context: string, err: unknown) => void;
  pinPolicy: PinEntryPolicy;
  lockoutPolicy: LockoutPolicy;
  /** Access mode and second-factor window; absent = mode "any". */
  factorPolicy?: FactorPolicy;
  /** Feedback on the fingerprint sensor's own LED, next to the door indicator. Must not throw. */
  sensorFeedback?: (pattern: IndicatorPattern) => void;
}

const LOCKOUT_KEY = "lockout:keypad";

/**
 * Turns credentials into decisions and decisions into door actions, in the only safe order:
 * decide, commit the audit row, then drive the relay. If the row cannot be committed the door
 * does not open. Work is serialised so two attempts never interleave.
 */
export class AccessService {
  private pin: PinEntryState = emptyPinEntry;
  private lockout: LockoutState = initialLockout;
  private cancelPinTimer: (() => void) | null = null;
  private queue: Promise<void> = Promise.resolve();
  private factorSession: FactorSession | null = null;
  private cancelFactorTimer: (() => void) | null = null;

  constructor(private readonly deps: AccessServiceDeps) {}

  start(): void {
    // Lockout survives a restart: pulling the plug must not reset the back-off.
    this.lockout = this.deps.kv.getJson<LockoutState>(LOCKOUT_KEY) ?? initialLockout;
  }

  stop(): void {
    this.cancelPinTimer?.();
    this.cancelPinTimer = null;
    this.cancelFactorTimer?.();
    this.cancelFactorTimer = null;
  }

  lockoutState(nowMs = this.deps.clock.now()): { lockedOut: boolean; untilMs: number | null; failures: number } {
    return {
      lockedOut: isLockedOut(this.lockout, nowMs),
      untilMs: isLockedOut(this.lockout, nowMs) ? this.lockout.lockedUntilMs : null,
      failures: this.lockout.consecutiveFailures,
    };
  }

  /** Resolves when every queued attempt has been handled (tests, orderly stop). */
  idle(): Promise<void> {
    return this.queue;
  }

  keyPressed(key: KeypadKey, atMs: number): void {
    this.enqueue(() => this.handleKey(key, atMs));
  }

  exitRequested(): void {
    this.enqueue(async () => {
      this.deps.record({ kind: "door", reason: "exit_request", credential: "rex", outcome: "granted" });
      await this.openDoor();
    });
  }

  private enqueue(task: () => Promise<void> | void): void {
    this.queue = this.queue.then(task).catch((err) => {
      this.deps.onError("access", err);
      this.deps.indicator.show("fault");
    });
  }

  private async handleKey(key: KeypadKey, atMs: number): Promise<void> {
    const { clock, indicator, pinPolicy } = this.deps;
    const now = clock.now();
    if (isLockedOut(this.lockout, now)) {
      // The keypad refuses input while locked out; a submit is still logged as an attempt.
      this.pin = emptyPinEntry;
      if (key === "#") this.deps.record({ kind: "access", reason: "locked_out", credential: "pin", outcome: "denied" });
      indicator.show("locked_out");
      return;
    }
    const { state, outcome } = pressKey(this.pin, key, atMs, pinPolicy);
    this.pin = state;
    this.armPinTimer();
    switch (outcome.type) {
      case "collecting":
        indicator.show("key");
        return;
      case "cleared":
      case "ignored":
        return;
      case "malformed":
        this.deps.record({
          kind: "access",
          reason: "invalid_format",
          credential: "pin",
          outcome: "denied",
          detail: { problem: outcome.why },
        });
        indicator.show("denied");
        return;
      case "submitted":
        await this.pinSubmitted(this.deps.hasher.hash("pin", outcome.pin));
        return;
    }
  }

  private async attempt(credential: CredentialType & ("pin" | "badge"), lookup: string): Promise<void> {
    const { clock, users, indicator } = this.deps;
    const now = clock.now();
    const decision = decide({ user: users.findByCredential(credential, lookup) }, { nowMs: now, lockedOut: false });
    this.deps.record({ kind: "access", reason: decision.reason, credential, outcome: decision.outcome, userCode: decision.userCode });
    if (decision.outcome === "granted") {
      this.saveLockout(recordSuccess());
      indicator.show("granted");
      await this.openDoor();
      return;
    }
    const { state, lockedForMs } = recordFailure(this.lockout, now, this.deps.lockoutPolicy);
    this.saveLockout(state);
    if (lockedForMs !== null) {
      this.deps.record({
        kind: "system",
        reason: "lockout_started",
        credential,
        detail: { lockout_s: lockedForMs / 1000, lockout_number: state.lockouts },
      });
      indicator.show("locked_out");
    } else {
      indicator.show("denied");
    }
  }

  private async openDoor(): Promise<void> {
    await this.deps.door.unlock();
  }

  private saveLockout(state: LockoutState): void {
    this.lockout = state;
    this.deps.kv.setJson(LOCKOUT_KEY, state);
  }

  private armPinTimer(): void {
    this.cancelPinTimer?.();
    this.cancelPinTimer = null;
    if (this.pin.lastKeyMs === null) return;
    const policy = this.deps.pinPolicy;
    this.cancelPinTimer = this.deps.clock.setTimeout(() => {
      this.cancelPinTimer = null;
      const expired = expirePinEntry(this.pin, this.deps.clock.now(), policy);
      if (expired) this.pin = expired;
    }, policy.interKeyTimeoutMs);
  }

  // ---- fingerprint, badge and two-factor attempts --------------------------------------------
  // Kept apart from the PIN path above. Every attempt still runs: decide -> audit row committed
  // -> door.unlock -> feedback. Factor sessions are resolved here, before decide() is called.

  /** The sensor matched a template. A slot the store does not map to anyone is never granted. */
  fingerMatched(slot: number): void {
    this.enqueue(() => this.credentialPresented("fingerprint", String(slot), { slot }));
  }

  fingerUnknown(): void {
    this.enqueue(() => this.credentialPresented("fingerprint", null));
  }

  badgeRead(number: string): void {
    this.enqueue(() => this.credentialPresented("badge", this.deps.hasher.hash("badge", number)));
  }

  /** A frame that failed parity or checksum: logged as a denied attempt, never a grant, no lockout count. */
  badgeBadRead(format: string, detail: string): void {
    this.enqueue(() => {
      this.deps.record({ kind: "access", reason: "bad_read", credential: "badge", outcome: "denied", detail: { format, problem: detail } });
      this.feedback("denied");
    });
  }

  /** The factor session in progress (tests, status). */
  pendingFactor(): FactorSession | null {
    return this.factorSession;
  }

  private get factorPolicy(): FactorPolicy {
    return this.deps.factorPolicy ?? { mode: "any", windowMs: 10_000 };
  }

  private async pinSubmitted(lookup: string): Promise<void> {
    // Mode "any" keeps the PIN path exactly as it was.
    if (this.factorPolicy.mode === "any") return this.attempt("pin", lookup);
    await this.credentialPresented("pin", lookup);
  }

  /**
   * One credential from any reader. lookup null = the reader itself found no match (unknown finger).
   * unknownDetail goes on the unknown_credential row (the sensor's slot, for `fingerprint check`).
   */
  private async credentialPresented(
    kind: FactorKind,
    lookup: string | null,
    unknownDetail?: Record<string, unknown>,
  ): Promise<void> {
    const now = this.deps.clock.now();
    const policy = this.factorPolicy;
    if (isLockedOut(this.lockout, now)) {
      this.deps.record({ kind: "access", reason: "locked_out", credential: kind, outcome: "denied" });
      this.feedback("locked_out");
      return;
    }
    const user = lookup === null ? undefined : this.deps.users.findByCredential(kind, lookup);
    if (!user) {
      // An unknown credential also ends any session: the next factor starts over.
      this.endFactorSession();
      this.denyCounted(kind, "unknown_credential", null, lookup === null ? undefined : unknownDetail);
      return;
    }
    const { session, step, expired } = presentFactor(this.factorSession, { kind, userId: user.id, userCode: user.userCode }, now, policy);
    if (expired) this.recordFactorTimeout(expired);
    switch (step.type) {
      case "not_accepted":
        this.deps.record({
          kind: "access",
          reason: "credential_not_accepted",
          credential: kind,
          outcome: "denied",
          userCode: user.userCode,
          detail: { mode: policy.mode },
        });
        this.feedback("denied");
        return;
      case "single":
        this.endFactorSession();
        return this.decideAndAct(user, kind);
      case "first": {
        // The first factor must itself be valid now (enabled, in validity): refuse early if not.
        const d = decide({ user }, { nowMs: now, lockedOut: false });
        if (d.outcome === "denied") {
          this.endFactorSession();
          this.denyCounted(kind, d.reason, d.userCode);
          return;
        }
        this.startFactorSession(session as FactorSession);
        this.deps.record({
          kind: "access",
          reason: "awaiting_second_factor",
          credential: kind,
          outcome: null,
          userCode: user.userCode,
          detail: { window_s: policy.windowMs / 1000 },
        });
        this.feedback("waiting");
        return;
      }
      case "mismatch":
        this.endFactorSession();
        this.denyCounted(kind, "factor_mismatch", user.userCode, { first_credential: step.first.first, first_user_code: step.first.userCode });
        return;
      case "complete":
        this.endFactorSession();
        return this.decideAndAct(user, kind, { factors: step.factors });
    }
  }

  private async decideAndAct(user: User, kind: FactorKind, detail?: Record<string, unknown>): Promise<void> {
    const decision = decide({ user }, { nowMs: this.deps.clock.now(), lockedOut: false });
    if (decision.outcome === "denied") {
      this.denyCounted(kind, decision.reason, decision.userCode, detail);
      return;
    }
    this.deps.record({ kind: "access", reason: "granted", credential: kind, outcome: "granted", userCode: decision.userCode, detail: detail ?? null });
    this.saveLockout(recordSuccess());
    await this.openDoor();
    this.feedback("granted");
  }

  /** A denied attempt that counts toward lockout (unknown credential, mismatch, invalid user). */
  private denyCounted(kind: FactorKind, reason: string, userCode: string | null, detail?: Record<string, unknown>): void {
    const now = this.deps.clock.now();
    this.deps.record({ kind: "access", reason, credential: kind, outcome: "denied", userCode, detail: detail ?? null });
    const { state, lockedForMs } = recordFailure(this.lockout, now, this.deps.lockoutPolicy);
    this.saveLockout(state);
    if (lockedForMs === null) {
      this.feedback("denied");
      return;
    }
    this.deps.record({
      kind: "system",
      reason: "lockout_started",
      credential: kind,
      detail: { lockout_s: lockedForMs / 1000, lockout_number: state.lockouts },
    });
    this.feedback("locked_out");
  }

  private startFactorSession(session: FactorSession): void {
    this.endFactorSession();
    this.factorSession = session;
    this.cancelFactorTimer = this.deps.clock.setTimeout(() => {
      this.cancelFactorTimer = null;
      this.enqueue(() => {
        const expired = expiredSession(this.factorSession, this.deps.clock.now(), this.factorPolicy);
        if (!expired) return;
        this.factorSession = null;
        this.recordFactorTimeout(expired);
        this.feedback("denied");
      });
    }, this.factorPolicy.windowMs);
  }

  private endFactorSession(): void {
    this.cancelFactorTimer?.();
    this.cancelFactorTimer = null;
    this.factorSession = null;
  }

  /** A first factor left alone: denied, but not counted toward lockout (nothing was guessed). */
  private recordFactorTimeout(expired: FactorSession): void {
    this.deps.record({
      kind: "access",
      reason: "second_factor_timeout",
      credential: expired.first,
      outcome: "denied",
      userCode: expired.userCode,
    });
  }

  private feedback(pattern: IndicatorPattern): void {
    this.deps.indicator.show(pattern);
    this.deps.sensorFeedback?.(pattern);
  }
}
