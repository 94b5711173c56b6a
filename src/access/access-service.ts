import type { Indicator } from "../../devices/indicator/indicator.js";
import type { Clock, KeypadKey } from "../../devices/types.js";
import type { AuditEntry, AuditRecord, CredentialType } from "../audit/audit-log.js";
import type { DoorController } from "../door/door-controller.js";
import type { CredentialHasher } from "../secrets/credential-hasher.js";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { UserStore } from "../store/user-store.js";
import { decide } from "./decide.js";
import {
  initialLockout,
  isLockedOut,
  type LockoutPolicy,
  type LockoutState,
  recordFailure,
  recordSuccess,
} from "./lockout.js";
import {
  emptyPinEntry,
  expirePinEntry,
  type PinEntryPolicy,
  type PinEntryState,
  pressKey,
} from "./pin-entry.js";

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

  constructor(private readonly deps: AccessServiceDeps) {}

  start(): void {
    // Lockout survives a restart: pulling the plug must not reset the back-off.
    this.lockout = this.deps.kv.getJson<LockoutState>(LOCKOUT_KEY) ?? initialLockout;
  }

  stop(): void {
    this.cancelPinTimer?.();
    this.cancelPinTimer = null;
  }

  lockoutState(nowMs = this.deps.clock.now()): {
    lockedOut: boolean;
    untilMs: number | null;
    failures: number;
  } {
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
      const { door } = this.deps;
      // In fault REX still works while the relay answers (only the contact failed); otherwise
      // the refusal is logged and egress relies on the mechanical handle (hardware/WIRING.md).
      if (!door.canUnlock({ forExit: true })) {
        this.deps.record({
          kind: "door",
          reason: "exit_request",
          credential: "rex",
          outcome: "denied",
          detail: { problem: "door_fault" },
        });
        this.deps.indicator.show("fault");
        return;
      }
      this.deps.record({ kind: "door", reason: "exit_request", credential: "rex", outcome: "granted" });
      await door.unlock({ forExit: true });
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
      if (key === "#")
        this.deps.record({ kind: "access", reason: "locked_out", credential: "pin", outcome: "denied" });
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
        await this.attempt("pin", this.deps.hasher.hash("pin", outcome.pin));
        return;
    }
  }

  private async attempt(credential: CredentialType & ("pin" | "badge"), lookup: string): Promise<void> {
    const { clock, users, indicator } = this.deps;
    const now = clock.now();
    const decision = decide(
      { user: users.findByCredential(credential, lookup) },
      { nowMs: now, lockedOut: false },
    );
    if (decision.outcome === "granted" && !this.deps.door.canUnlock()) {
      // A valid credential while the lock or contact has failed: say so rather than log a grant
      // for a door that will not move. Not a failure of the person: no lockout count.
      this.deps.record({
        kind: "access",
        reason: "door_fault",
        credential,
        outcome: "denied",
        userCode: decision.userCode,
      });
      indicator.show("fault");
      return;
    }
    this.deps.record({
      kind: "access",
      reason: decision.reason,
      credential,
      outcome: decision.outcome,
      userCode: decision.userCode,
    });
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
    // Most grants follow no failure: skip the write (and its fsync) when nothing changed.
    if (JSON.stringify(state) === JSON.stringify(this.lockout)) return;
    this.lockout = state;
    try {
      this.deps.kv.setJson(LOCKOUT_KEY, state);
    } catch (err) {
      // Enforced in memory regardless; only a restart would forget it.
      this.deps.onError("lockout persistence", err);
    }
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
}
