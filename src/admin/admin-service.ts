import { randomInt } from "node:crypto";
import { userInfo } from "node:os";
import type { Clock } from "../../devices/types.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { CredentialHasher } from "../secrets/credential-hasher.js";
import { StoreError, type User, type UserStore } from "../store/user-store.js";

export interface UserSummary {
  name: string;
  user_code: string;
  enabled: boolean;
  valid_from: string | null;
  valid_until: string | null;
  credentials: string[];
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** A PIN an admin sets must be one the keypad can submit: digits only, within the configured lengths. */
export function requirePinFormat(pin: string, policy: { minLength: number; maxLength: number }): void {
  const { minLength, maxLength } = policy;
  if (!/^[0-9]+$/.test(pin) || pin.length < minLength || pin.length > maxLength) {
    throw new StoreError(`a PIN is ${minLength} to ${maxLength} digits`);
  }
}

/**
 * Sets a PIN drawn uniformly at random (6 digits, or the nearest length the policy allows),
 * drawing again while the value is taken: the admin never sees a refused value, so a random PIN
 * reveals nothing about other people's PINs. The PIN is returned to be shown once.
 */
export function setRandomPin<T>(
  policy: { minLength: number; maxLength: number },
  set: (pin: string) => T,
): { result: T; pin: string } {
  const length = Math.min(policy.maxLength, Math.max(policy.minLength, 6));
  for (let attempt = 0; attempt < 100; attempt++) {
    const pin = String(randomInt(10 ** length)).padStart(length, "0");
    try {
      return { result: set(pin), pin };
    } catch (err) {
      if (!(err instanceof StoreError && /not available/.test(err.message))) throw err;
    }
  }
  throw new StoreError("no free PIN found after 100 draws; raise pin.max_length");
}

/** The operating-system account making a change, so the log answers "who did this". */
export function currentActor(): string {
  try {
    return `os:${userInfo().username}`;
  } catch {
    return `os:uid-${process.getuid?.() ?? "unknown"}`;
  }
}

/**
 * Allowlist changes, shared by the CLI and the HTTP API. Each change is itself an audit event
 * naming who made it and the person's user code, never their name or secret, committed in the
 * same transaction as the change (AuditLog.atomically).
 */
export class AdminService {
  constructor(
    private readonly users: UserStore,
    private readonly hasher: CredentialHasher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly actor: string,
    private readonly pinPolicy: { minLength: number; maxLength: number },
  ) {}

  addUser(name: string, validity: { validFromMs?: number | null; validUntilMs?: number | null } = {}): User {
    return this.audit.atomically(() => {
      const user = this.users.add(name, this.clock.now(), validity);
      this.note("user_added", user, {
        valid_from: iso(user.validFromMs),
        valid_until: iso(user.validUntilMs),
      });
      return user;
    });
  }

  list(): UserSummary[] {
    return this.users.list().map((u) => this.summary(u));
  }

  show(nameOrCode: string): UserSummary {
    return this.summary(this.users.require(nameOrCode));
  }

  setEnabled(nameOrCode: string, enabled: boolean): User {
    return this.audit.atomically(() => {
      const user = this.users.require(nameOrCode);
      this.users.setEnabled(user.id, enabled);
      this.note(enabled ? "user_enabled" : "user_disabled", user);
      return this.users.get(user.id);
    });
  }

  remove(nameOrCode: string): User {
    return this.audit.atomically(() => {
      const user = this.users.require(nameOrCode);
      this.users.remove(user.id);
      this.note("user_removed", user);
      return user;
    });
  }

  setPin(nameOrCode: string, pin: string): User {
    return this.audit.atomically(() => {
      const user = this.users.require(nameOrCode);
      requirePinFormat(pin, this.pinPolicy);
      this.users.setCredential(user.id, "pin", this.hasher.hash("pin", pin), this.clock.now());
      this.note("pin_set", user);
      return user;
    });
  }

  /** A random PIN for this person; returns it once (see setRandomPin). */
  setRandomPin(nameOrCode: string): { user: User; pin: string } {
    const { result, pin } = setRandomPin(this.pinPolicy, (p) => this.setPin(nameOrCode, p));
    return { user: result, pin };
  }

  private summary(u: User): UserSummary {
    return {
      name: u.name,
      user_code: u.userCode,
      enabled: u.enabled,
      valid_from: iso(u.validFromMs),
      valid_until: iso(u.validUntilMs),
      credentials: this.users.credentialKinds(u.id),
    };
  }

  private note(reason: string, user: User, extra: Record<string, unknown> = {}): void {
    this.audit.append(
      { kind: "system", reason, userCode: user.userCode, detail: { by: this.actor, ...extra } },
      this.clock.now(),
    );
  }
}
