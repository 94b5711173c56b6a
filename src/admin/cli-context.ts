import { existsSync } from "node:fs";
import { systemClock } from "../../devices/system-clock.js";
import { databasePath } from "../app.js";
import { AuditLog } from "../audit/audit-log.js";
import { ConfigError, loadSettingsFile, parseSettings } from "../config/load-settings.js";
import type { Settings } from "../config/schema.js";
import { CredentialHasher } from "../secrets/credential-hasher.js";
import { loadCredentialKey } from "../secrets/credential-key.js";
import { type Db, openDatabase } from "../store/open-database.js";
import { UserStore } from "../store/user-store.js";
import { AdminService, currentActor } from "./admin-service.js";

/** Where the CLI and the service look for the config when --config is not given. */
export const SYSTEM_CONFIG_PATH = "/etc/doorward/config.yaml";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

export function resolveSettings(configFlag: string | undefined, env: NodeJS.ProcessEnv): Settings {
  const path =
    configFlag ?? env.DOORWARD_CONFIG ?? (existsSync(SYSTEM_CONFIG_PATH) ? SYSTEM_CONFIG_PATH : undefined);
  return path ? loadSettingsFile(path) : parseSettings({}, "embedded defaults");
}

export interface AdminContext {
  settings: Settings;
  db: Db;
  users: UserStore;
  audit: AuditLog;
  hasher: CredentialHasher;
  admin: AdminService;
  close(): void;
}

/**
 * Opens the same database the running service uses. WAL lets both work at once, and the
 * service reads the allowlist on every attempt, so a change here applies to the next one.
 */
export function openAdminContext(configFlag: string | undefined, env: NodeJS.ProcessEnv): AdminContext {
  const settings = resolveSettings(configFlag, env);
  const db = openDatabase(databasePath(settings));
  const users = new UserStore(db);
  const audit = new AuditLog(db, settings.door_id);
  const hasher = new CredentialHasher(loadCredentialKey(settings));
  const admin = new AdminService(users, hasher, audit, systemClock, currentActor(), {
    minLength: settings.pin.min_length,
    maxLength: settings.pin.max_length,
  });
  return { settings, db, users, audit, hasher, admin, close: () => db.close() };
}

export { ConfigError };
