import type { Clock } from "../../devices/types.js";
import { formatWindow, type ScheduleWindow } from "../access/schedule.js";
import type { AuditLog } from "../audit/audit-log.js";
import type { CredentialHasher } from "../secrets/credential-hasher.js";
import { checkpointAndTruncateWal, type Db } from "../store/open-database.js";
import { type ModeRecord, PolicyStore } from "../store/policy-store.js";
import type { User, UserRole, UserStore } from "../store/user-store.js";
import { requirePinFormat, setRandomPin } from "./admin-service.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export interface UserPolicyChange {
  schedules?: string[];
  validFromMs?: number | null;
  validUntilMs?: number | null;
  agreementUntilMs?: number | null;
  role?: UserRole;
}

/**
 * Policy changes made by an admin (CLI or HTTP): schedules, holidays, per-user policy, duress
 * PINs, erasure. Each is an audit event with `detail.by` naming the actor (the operating-system
 * user for the CLI) and never a name or secret, committed with the change in one transaction.
 * Door modes go through DoorCommands (src/door/door-commands.ts).
 */
export class PolicyAdminService {
  readonly store: PolicyStore;

  constructor(
    private readonly db: Db,
    private readonly users: UserStore,
    private readonly hasher: CredentialHasher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly actor: string,
    private readonly pinPolicy: { minLength: number; maxLength: number },
  ) {
    this.store = new PolicyStore(db);
  }

  addSchedule(name: string, windows: ScheduleWindow[]): void {
    this.audit.atomically(() => {
      this.store.addSchedule(name, windows, this.clock.now());
      this.note("schedule_added", null, { schedule: name, windows: windows.map(formatWindow) });
    });
  }

  /** Replaces the windows in place: the people assigned keep the schedule. */
  setScheduleWindows(name: string, windows: ScheduleWindow[]): void {
    this.audit.atomically(() => {
      const previous = this.store.requireSchedule(name).windows.map(formatWindow);
      this.store.replaceWindows(name, windows);
      this.note("schedule_changed", null, { schedule: name, windows: windows.map(formatWindow), previous });
    });
  }

  removeSchedule(name: string): void {
    this.audit.atomically(() => {
      this.store.removeSchedule(name);
      this.note("schedule_removed", null, { schedule: name });
    });
  }

  addHoliday(date: string, name: string): void {
    this.audit.atomically(() => {
      this.store.addHoliday(date, name);
      this.note("holiday_added", null, { date });
    });
  }

  removeHoliday(date: string): void {
    this.audit.atomically(() => {
      this.store.removeHoliday(date);
      this.note("holiday_removed", null, { date });
    });
  }

  /** Applies all changes and their audit row in one transaction: unknown schedules fail before anything changes. */
  setUserPolicy(nameOrCode: string, change: UserPolicyChange): User {
    const user = this.users.require(nameOrCode);
    const scheduleIds = change.schedules?.map((n) => this.store.requireSchedule(n).id);
    const detail: Record<string, unknown> = {};
    if (change.schedules) detail.schedules = change.schedules;
    if (change.validFromMs !== undefined) detail.valid_from = iso(change.validFromMs);
    if (change.validUntilMs !== undefined) detail.valid_until = iso(change.validUntilMs);
    if (change.agreementUntilMs !== undefined) detail.agreement_until = iso(change.agreementUntilMs);
    if (change.role) detail.role = change.role;
    this.audit.atomically(() => {
      if (scheduleIds) this.store.setUserSchedules(user.id, scheduleIds);
      if (change.validUntilMs !== undefined || change.validFromMs !== undefined)
        this.users.setValidity(user.id, {
          validFromMs: change.validFromMs,
          validUntilMs: change.validUntilMs,
        });
      if (change.agreementUntilMs !== undefined)
        this.store.setAgreementUntil(user.id, change.agreementUntilMs);
      if (change.role) this.store.setRole(user.id, change.role);
      this.note("user_policy_changed", user, detail);
    });
    return this.users.get(user.id);
  }

  /** A second PIN that opens like the normal one and raises a silent alarm. */
  setDuressPin(nameOrCode: string, pin: string): User {
    const user = this.users.require(nameOrCode);
    requirePinFormat(pin, this.pinPolicy);
    // Same hash domain as PINs: one lookup finds either, and a value can never be both.
    this.audit.atomically(() => {
      this.users.setCredential(user.id, "duress", this.hasher.hash("pin", pin), this.clock.now());
      this.note("duress_pin_set", user);
    });
    return user;
  }

  /** A random duress PIN for this person; returns it once. */
  setRandomDuressPin(nameOrCode: string): { user: User; pin: string } {
    const { result, pin } = setRandomPin(this.pinPolicy, (p) => this.setDuressPin(nameOrCode, p));
    return { user: result, pin };
  }

  /**
   * Removes a person's personal data: the name becomes their user code, every credential and
   * schedule goes, the account is disabled. Their audit rows keep the pseudonymous code, and no
   * row is touched, so the chain stays valid.
   */
  eraseUser(nameOrCode: string): User {
    const user = this.users.require(nameOrCode);
    this.audit.atomically(() => {
      this.db.prepare("DELETE FROM credentials WHERE user_id = ?").run(user.id);
      this.store.setUserSchedules(user.id, []);
      this.db
        .prepare(
          "UPDATE users SET name = user_code, enabled = 0, agreement_until_ms = NULL, valid_from_ms = NULL, valid_until_ms = NULL WHERE id = ?",
        )
        .run(user.id);
      this.note("user_erased", user);
    });
    // secure_delete zeroed the old name in the database pages; the WAL still holds the pages
    // as they were until a checkpoint, so write them back and cut the WAL to zero bytes now.
    checkpointAndTruncateWal(this.db);
    return this.users.get(user.id);
  }

  mode(): ModeRecord {
    return this.store.mode();
  }

  private note(reason: string, user: User | null, extra: Record<string, unknown> = {}): void {
    this.audit.append(
      { kind: "system", reason, userCode: user?.userCode ?? null, detail: { by: this.actor, ...extra } },
      this.clock.now(),
    );
  }
}
