import type { Clock } from "../../../devices/types.js";
import type { AccessService } from "../../access/access-service.js";
import type { AdminCodeBook } from "../../audit/admin-code-book.js";
import type { AuditLog } from "../../audit/audit-log.js";
import type { Settings } from "../../config/schema.js";
import type { DoorCommands } from "../../door/door-commands.js";
import type { DoorController } from "../../door/door-controller.js";
import type { DoorUnit } from "../../door/door-unit.js";
import type { Logger } from "../../logger.js";
import type { PolicyServices } from "../../policy/policy-services.js";
import type { CredentialHasher } from "../../secrets/credential-hasher.js";
import type { SiteRulesParts } from "../../site/create-site-rules.js";
import type { Db } from "../../store/open-database.js";
import type { UserStore } from "../../store/user-store.js";
import type { DeviceHealth } from "../../supervision/device-health.js";
import { AdminService } from "../admin-service.js";
import { CredentialAdmin } from "../credential-admin.js";
import { PolicyAdminService } from "../policy-admin-service.js";
import type { AdminAccountStore } from "./admin-account-store.js";
import type { ConflictAllowance } from "./conflict-allowance.js";
import type { LoginRateLimiter } from "./login-rate-limiter.js";
import type { LoginThrottle } from "./login-throttle.js";
import type { SessionStore } from "./session-store.js";

/** Everything the admin HTTP API works through: the same services the CLI and the door use. */
export interface WebDeps {
  settings: Settings;
  clock: Clock;
  logger: Logger;
  users: UserStore;
  hasher: CredentialHasher;
  audit: AuditLog;
  /** The first door's parts (a single-door controller's only door). */
  door: DoorController;
  access: AccessService;
  /** Every door; absent = the one door above. Requests name one with `door`. */
  units?: readonly DoorUnit[];
  db: Db;
  /** Door modes, schedules, holidays: the same services the `door`/`schedule` CLI commands use. */
  policy: PolicyServices;
  /** Unlock once, lock, lockdown and emergency: the same door-command path as MQTT and the CLI. */
  commands: DoorCommands;
  health: DeviceHealth;
  accounts: AdminAccountStore;
  sessions: SessionStore;
  limiter: LoginRateLimiter;
  throttle: LoginThrottle;
  /** The rules that span doors: occupancy for the "who is inside" panel. */
  site?: Pick<SiteRulesParts, "rules">;
  /** "Not available" answers per admin per hour (PIN and badge probing). */
  conflicts: ConflictAllowance;
  /** Admin codes and the accounts they stand for: rows store the code, the page shows the account. */
  adminCodes: AdminCodeBook;
}

/** The actor written into `detail.by` for a web admin: the admin code of `web:<name>`, never the name. */
export const webActor = (deps: Pick<WebDeps, "adminCodes">, admin: string) =>
  deps.adminCodes.actor(`web:${admin}`);

/** AdminService acting as this admin, so every change it makes is an audit event naming them. */
export function adminServiceFor(deps: WebDeps, admin: string): AdminService {
  return new AdminService(deps.users, deps.hasher, deps.audit, deps.clock, webActor(deps, admin), {
    minLength: deps.settings.pin.min_length,
    maxLength: deps.settings.pin.max_length,
  });
}

/** PolicyAdminService acting as this admin (schedules, holidays, per-user policy, door modes). */
export function policyAdminFor(deps: WebDeps, admin: string): PolicyAdminService {
  return new PolicyAdminService(
    deps.db,
    deps.users,
    deps.hasher,
    deps.audit,
    deps.clock,
    webActor(deps, admin),
    {
      minLength: deps.settings.pin.min_length,
      maxLength: deps.settings.pin.max_length,
    },
  );
}

/** CredentialAdmin acting as this admin (badges, fingerprint enrolment requests). */
export function credentialAdminFor(deps: WebDeps, admin: string): CredentialAdmin {
  return new CredentialAdmin(deps.db, deps.users, deps.hasher, deps.audit, deps.clock, webActor(deps, admin));
}
