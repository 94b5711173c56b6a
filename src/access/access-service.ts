import type { KeypadKey } from "../../devices/types.js";
import type { AuditEntry, AuditRecord } from "../audit/audit-log.js";
import { canonicalBadgeNumber } from "../badge/badge-number.js";
import type { CredentialHolder } from "../store/user-store.js";
import type { AccessServiceDeps } from "./access-deps.js";
import { AttemptRecorder, type Holder, lockoutKeyOf } from "./attempt-recorder.js";
import {
  CredentialLockouts,
  type LockoutKey,
  type LockoutKind,
  type LockoutStatus,
} from "./credential-lockouts.js";
import { type Decision, decide, isPolicyDenial } from "./decide.js";
import { DoorRulesGate, NO_SOURCE, type PassageSource } from "./door-rules-gate.js";
import { FactorGate } from "./factor-gate.js";
import type { FactorKind, FactorPolicy, FactorSession } from "./factor-session.js";
import { PinKeypad } from "./pin-keypad.js";
import { DoorOpener, ReleaseRequests, RemoteUnlockRefused } from "./release-requests.js";

/**
 * Turns credentials into decisions and decisions into door actions, in the only safe order:
 * decide, commit the audit row, then drive the relay. If the row cannot be committed the door
 * does not open. Work is serialised so two attempts never interleave. Every credential kind
 * (PIN, fingerprint, badge, either alone or as a pair) ends in the same decision path, so the
 * records-room policy (lockdown, schedules, two-person) applies to all of them alike.
 */
export type { AccessServiceDeps };

export class AccessService {
  /** A PIN being typed, per keypad: an in and an out keypad of one door never mix their keys. */
  private readonly pins = new Map<string | null, PinKeypad>();
  /** The reader whose attempt is being handled (tasks run one at a time), for the unit's audit rows. */
  private reader: string | null = null;
  private readonly lockouts: CredentialLockouts;
  private queue: Promise<void> = Promise.resolve();
  private readonly factors: FactorGate;
  private readonly attempts: AttemptRecorder;
  private readonly rules: DoorRulesGate;
  private readonly opener: DoorOpener;
  private readonly releases: ReleaseRequests;

  constructor(private readonly deps: AccessServiceDeps) {
    this.lockouts = new CredentialLockouts(deps.kv, deps.lockoutPolicy, deps.onError);
    this.rules = new DoorRulesGate(deps.rules, deps.doorId ?? "door");
    this.opener = new DoorOpener(deps);
    this.releases = new ReleaseRequests(deps, this.rules, this.opener);
    this.attempts = new AttemptRecorder(deps, this.lockouts, (pattern) => this.opener.feedback(pattern));
    const factorPolicy: FactorPolicy = deps.factorPolicy ?? { mode: "any", windowMs: 10_000 };
    this.factors = new FactorGate(
      factorPolicy,
      deps.clock,
      (expired) => {
        this.recordFactorTimeout(expired);
        this.opener.feedback("denied");
      },
      (task) => this.enqueue(task),
    );
  }

  start(): void {
    this.lockouts.load();
  }

  stop(): void {
    for (const pin of this.pins.values()) pin.clear();
    this.factors.end();
  }

  /** One credential kind's lockout (the keypad's by default: `status`, the page). */
  lockoutState(kind: LockoutKind = "pin", nowMs = this.deps.clock.now()): LockoutStatus {
    return this.lockouts.status(kind, nowMs);
  }

  /** The multi-factor session in progress (tests, status). */
  pendingFactor(): FactorSession | null {
    return this.factors.pending();
  }

  /** Resolves when every queued attempt has been handled (tests, orderly stop). */
  idle(): Promise<void> {
    return this.queue;
  }

  /** The reader of the attempt being handled, or null (REX, remote, timers). */
  currentReader(): string | null {
    return this.reader;
  }

  keyPressed(key: KeypadKey, atMs: number, reader: string | null = null): void {
    this.enqueue(() => this.handleKey(key, atMs, reader), reader);
  }

  /** The sensor matched a template. A slot the store does not map to anyone is never granted. */
  fingerMatched(slot: number, reader: string | null = null): void {
    this.enqueue(() => this.presented("fingerprint", String(slot), { slot }), reader);
  }

  fingerUnknown(reader: string | null = null): void {
    this.enqueue(() => this.presented("fingerprint", null), reader);
  }

  badgeRead(number: string, reader: string | null = null): void {
    // One key per card whichever reader read it (decimal from Wiegand, facility:card from OSDP).
    const key = canonicalBadgeNumber(number) ?? number;
    this.enqueue(() => this.presented("badge", this.deps.hasher.hash("badge", key)), reader);
  }

  /** A frame that failed parity or checksum: logged as a denied attempt, never a grant, no lockout count. */
  badgeBadRead(format: string, detail: string, reader: string | null = null): void {
    this.enqueue(() => {
      this.deps.record({
        kind: "access",
        reason: "bad_read",
        credential: "badge",
        outcome: "denied",
        detail: { format, problem: detail },
      });
      this.opener.feedback("denied");
    }, reader);
  }

  exitRequested(): void {
    this.enqueue(() => this.releases.exit());
  }

  /**
   * A verified remote request (signed MQTT command, Home Assistant with its code, an admin's
   * "unlock once" on the web page), in the same queue as every attempt so it never interleaves
   * with one: see ReleaseRequests.remote.
   */
  remoteUnlock(detail: Record<string, unknown>): Promise<AuditRecord> {
    const task = this.queue.then(() => this.releases.remote(detail));
    this.queue = task.then(
      () => undefined,
      (err) => {
        if (err instanceof RemoteUnlockRefused) return; // logged; not a fault of the controller
        this.deps.onError("remote_unlock", err);
        this.deps.indicator.show("fault");
      },
    );
    return task;
  }

  private enqueue(task: () => Promise<void> | void, reader: string | null = null): void {
    const run = async () => {
      this.reader = reader;
      try {
        await task();
      } finally {
        this.reader = null;
      }
    };
    this.queue = this.queue.then(run).catch((err) => {
      this.deps.onError("access", err);
      this.deps.indicator.show("fault");
    });
  }

  private async handleKey(key: KeypadKey, atMs: number, reader: string | null): Promise<void> {
    const { clock, indicator } = this.deps;
    // While locked out the keypad still collects keys (showing the lockout, never "key"): a
    // duress PIN typed now must still be recognised and raise its alarm. Anything else submitted
    // is logged as a locked_out attempt.
    const lockedOut = this.lockouts.isLockedOut({ kind: "pin" }, clock.now());
    let pin = this.pins.get(reader);
    if (!pin) {
      pin = new PinKeypad(this.deps.pinPolicy, this.deps.clock, (digits) => this.preparePin(digits));
      this.pins.set(reader, pin);
    }
    const outcome = pin.press(key, atMs);
    switch (outcome.type) {
      case "collecting":
        indicator.show(lockedOut ? "locked_out" : "key");
        return;
      case "cleared":
      case "ignored":
        return;
      case "malformed":
        if (lockedOut) {
          this.attempts.lockedOut("pin", undefined);
          return;
        }
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
        await this.presented("pin", outcome.lookup ?? this.deps.hasher.hash("pin", outcome.pin));
        return;
    }
  }

  /**
   * Between keys, for an entry that could be submitted: its keyed hash, and one read of its holder
   * whose answer is thrown away. That read only brings the index pages into SQLite's cache so the
   * lookup after '#' (which decides) is quick; a failure here shows up again, and is handled, there.
   */
  private preparePin(digits: string): string {
    const lookup = this.deps.hasher.hash("pin", digits);
    try {
      this.findHolder("pin", lookup);
    } catch {
      // Deliberately ignored: see above.
    }
    return lookup;
  }

  /**
   * One credential from any reader. lookup null = the reader itself found no match (unknown
   * finger). unknownDetail goes on an unknown_credential row (the sensor's slot, for
   * `fingerprint check`).
   */
  private async presented(
    kind: FactorKind,
    lookup: string | null,
    unknownDetail?: Record<string, unknown>,
  ): Promise<void> {
    // The holder is looked up before the lockout check, so a duress PIN raises its alarm even then.
    const holder = lookup === null ? undefined : this.findHolder(kind, lookup);
    const lockoutKey = lockoutKeyOf(kind, lookup);
    if (this.lockouts.isLockedOut(lockoutKey, this.deps.clock.now())) {
      this.attempts.lockedOut(kind, holder);
      return;
    }
    if (this.factors.mode === "any") {
      await this.decideAndAct(kind, lockoutKey, holder, holder ? undefined : unknownDetail);
      return;
    }
    if (!holder) {
      // An unknown credential also ends any session: the next factor starts over.
      this.factors.end();
      this.attempts.deniedAndCounted(
        kind,
        lockoutKey,
        "unknown_credential",
        null,
        lookup === null ? undefined : unknownDetail,
      );
      return;
    }
    await this.presentFactor(kind, lockoutKey, holder);
  }

  /** A PIN is looked up among normal and duress PINs by one query, so both take the same time. */
  private findHolder(kind: FactorKind, lookup: string): Holder {
    return this.deps.users.findHolder(kind, lookup);
  }

  /**
   * One factor of a pair. A duress PIN raises its alarm the moment it is presented, committed with
   * whatever row that step writes (awaiting, mismatch, refusal, grant), and only then.
   */
  private async presentFactor(
    kind: FactorKind,
    lockoutKey: LockoutKey,
    holder: CredentialHolder,
  ): Promise<void> {
    const { user } = holder;
    const { step, expired, duress } = this.factors.present(
      { kind, userId: user.id, userCode: user.userCode },
      holder.duress,
    );
    if (expired) this.recordFactorTimeout(expired);
    switch (step.type) {
      case "not_accepted":
        this.attempts.commit(
          {
            kind: "access",
            reason: "credential_not_accepted",
            credential: kind,
            outcome: "denied",
            userCode: user.userCode,
            detail: { mode: this.factors.mode },
          },
          holder,
        );
        this.opener.feedback("denied");
        return;
      case "single":
        await this.decideAndAct(kind, lockoutKey, holder);
        return;
      case "first": {
        // The first factor must itself be valid now (enabled, in validity): refuse early if not.
        const early = decide({ user }, { nowMs: this.deps.clock.now() });
        if (early.outcome === "denied") {
          this.factors.end();
          this.attempts.deniedAndCounted(kind, lockoutKey, early.reason, early.userCode, undefined, holder);
          return;
        }
        this.attempts.commit(
          {
            kind: "access",
            reason: "awaiting_second_factor",
            credential: kind,
            outcome: null,
            userCode: user.userCode,
            detail: { window_s: this.factors.windowMs / 1000 },
          },
          holder,
        );
        this.opener.feedback("waiting");
        return;
      }
      case "mismatch":
        this.attempts.deniedAndCounted(
          kind,
          lockoutKey,
          "factor_mismatch",
          user.userCode,
          { first_credential: step.first.first, first_user_code: step.first.userCode },
          holder,
        );
        return;
      case "complete":
        // `duress` also covers a duress first factor, whose alarm is already committed: the
        // decision carries it, the alarm is raised only for this factor's own duress PIN.
        await this.decideAndAct(kind, lockoutKey, holder, { factors: step.factors }, duress);
        return;
    }
  }

  /**
   * The one decision path: policy context, decide, commit the row (and, for a duress PIN, its
   * alarm, in the same transaction: one fsync, the timing of any grant), then act on the door.
   */
  private async decideAndAct(
    credential: FactorKind,
    lockoutKey: LockoutKey,
    holder: Holder,
    extra?: Record<string, unknown>,
    pairDuress = holder?.duress === true,
  ): Promise<void> {
    const { clock, policy } = this.deps;
    const now = clock.now();
    const gated = this.rules.credential(
      decide(
        { user: holder?.user, duress: pairDuress },
        // The revision read with the holder saves the engine a query of its own.
        { nowMs: now, policy: policy?.context(now, holder?.policyRevision) },
      ),
      {
        userId: holder?.user.id ?? null,
        userCode: holder?.user.userCode ?? null,
        levelsInUse: holder?.levelsInUse,
      },
      credential,
      this.passageSource(),
      now,
    );
    const { decision } = gated;
    if (decision.outcome === "granted" && !this.deps.door.canUnlock()) {
      // A valid credential while the lock or contact has failed: say so rather than log a grant
      // for a door that will not move. Not a failure of the person: no lockout count.
      this.attempts.commit(
        { kind: "access", reason: "door_fault", credential, outcome: "denied", userCode: decision.userCode },
        holder,
      );
      this.opener.feedback("fault");
      return;
    }
    policy?.settle(decision);
    const second =
      decision.outcome === "granted" && decision.secondUserCode
        ? { second_user_code: decision.secondUserCode }
        : {};
    const detail = { ...extra, ...second, ...gated.detail };
    const entry: AuditEntry = {
      kind: "access",
      reason: decision.reason,
      credential,
      outcome: decision.outcome === "waiting" ? null : decision.outcome,
      userCode: decision.userCode,
      detail: Object.keys(detail).length ? detail : null,
    };
    if (decision.outcome === "denied" && !isPolicyDenial(decision.reason)) {
      // Counts toward lockout: the row and the count commit together (one fsync).
      this.attempts.commitCounted(entry, lockoutKey, holder);
      return;
    }
    // A grant resets the lockout count in its own transaction: one fsync before the relay.
    const reset = decision.outcome === "granted" ? this.lockouts.success(lockoutKey) : undefined;
    await this.opener.relayThenListeners(() => {
      this.attempts.commit(entry, holder, reset?.persist ?? undefined, gated.alsoRecord);
      reset?.apply();
      gated.passed();
      return this.act(decision, now);
    });
  }

  /** After the row has committed: a grant opens the door; a denial here is a policy one, not counted. */
  private async act(decision: Decision, now: number): Promise<void> {
    if (decision.outcome === "granted") {
      await this.opener.openThenShow();
      this.deps.onGranted?.(now);
      return;
    }
    if (decision.outcome === "waiting") {
      this.opener.feedback("waiting");
      return;
    }
    this.opener.feedback("denied");
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

  /** The reader of the attempt being handled and its direction. */
  private passageSource(): PassageSource {
    const reader = this.reader;
    if (reader === null) return NO_SOURCE;
    return { reader, direction: this.deps.readerDirection?.(reader) ?? null };
  }
}
