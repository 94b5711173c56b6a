import { existsSync, statSync } from "node:fs";
import { systemClock } from "../../devices/system-clock.js";
import { databasePath } from "../app.js";
import { ActorCodes } from "../audit/actor-codes.js";
import { AdminCodeBook } from "../audit/admin-code-book.js";
import { AuditLog } from "../audit/audit-log.js";
import { ConfigError, loadSettingsFile, parseSettings } from "../config/load-settings.js";
import type { Settings } from "../config/schema.js";
import { CredentialHasher } from "../secrets/credential-hasher.js";
import { loadCredentialKey } from "../secrets/credential-key.js";
import { moveSingleDoorState } from "../store/door-state.js";
import { type Db, openDatabase, openDatabaseReadOnly } from "../store/open-database.js";
import { StoreError, UserStore } from "../store/user-store.js";
import { AdminService, currentActor } from "./admin-service.js";

/** Where the CLI and the service look for the config when --config is not given. */
export const SYSTEM_CONFIG_PATH = "/etc/doorward/config.yaml";

export interface CliIo {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
}

/**
 * Whether the system config is there. Only "no such file" means absent: a file the caller may
 * not see (EACCES on a 0750 /etc/doorward) is an error, never a silent fall back to the
 * defaults, which would send the command to a stray ./data while the real door runs on.
 */
function systemConfigExists(path: string): boolean {
  try {
    statSync(path);
    return true;
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    if (e.code === "ENOENT") return false;
    const reason = e.message.replace(/^[A-Z]+: /, "").replace(/, \w+ '.*'$/, "");
    throw new ConfigError(path, [`cannot read: ${reason} (${e.code ?? "error"})`]);
  }
}

/** The settings and where they came from (a path, or "embedded defaults"). */
export function locateSettings(
  configFlag: string | undefined,
  env: NodeJS.ProcessEnv,
  systemPath = SYSTEM_CONFIG_PATH,
): { settings: Settings; source: string } {
  const path = configFlag ?? env.DOORWARD_CONFIG ?? (systemConfigExists(systemPath) ? systemPath : undefined);
  return path
    ? { settings: loadSettingsFile(path), source: path }
    : { settings: parseSettings({}, "embedded defaults"), source: "embedded defaults" };
}

export function resolveSettings(
  configFlag: string | undefined,
  env: NodeJS.ProcessEnv,
  systemPath = SYSTEM_CONFIG_PATH,
): Settings {
  return locateSettings(configFlag, env, systemPath).settings;
}

/**
 * Only `doorward start` creates a database. Any other command finding none is pointed at the
 * wrong data_dir (or the service never ran): it says where it looked instead of making one.
 */
export function existingDatabasePath(settings: Settings, source: string): string {
  const path = databasePath(settings);
  if (!existsSync(path)) {
    throw new StoreError(
      `no database at ${path} (data_dir from ${source}); only \`doorward start\` creates one`,
    );
  }
  return path;
}

export interface AdminContext {
  settings: Settings;
  db: Db;
  users: UserStore;
  audit: AuditLog;
  /** Keyed with loadCredentialKey: the one choice of key, shared with the service (fleet key or device secret). */
  hasher: CredentialHasher;
  /** Admin codes and the accounts they stand for (rows store the code, never the name). */
  adminCodes: AdminCodeBook;
  /** Who runs this command, as rows store it: the admin code of `os:<user>`. */
  actor: string;
  admin: AdminService;
  close(): void;
}

/**
 * Opens the same database the running service uses. WAL lets both work at once, and the
 * service reads the allowlist on every attempt, so a change here applies to the next one.
 */
export function openAdminContext(configFlag: string | undefined, env: NodeJS.ProcessEnv): AdminContext {
  const { settings, source } = locateSettings(configFlag, env);
  const db = openDatabase(existingDatabasePath(settings, source), { mustExist: true });
  // A database of the single-door version: its door state moves under the first door, as the
  // service does at start, so a mode read or set here is the one the service uses.
  moveSingleDoorState(db, settings.door_id, settings.doors !== null);
  const users = new UserStore(db);
  const audit = new AuditLog(db, settings.door_id);
  const key = loadCredentialKey(settings);
  const hasher = new CredentialHasher(key);
  const adminCodes = new AdminCodeBook(db, new ActorCodes(key));
  const actor = adminCodes.actor(currentActor());
  const admin = new AdminService(users, hasher, audit, systemClock, actor, {
    minLength: settings.pin.min_length,
    maxLength: settings.pin.max_length,
  });
  return { settings, db, users, audit, hasher, adminCodes, actor, admin, close: () => db.close() };
}

export interface ReadOnlyContext {
  settings: Settings;
  db: Db;
  users: UserStore;
  audit: AuditLog;
  close(): void;
}

/**
 * For commands that only read the log (`log verify`, `log head`, exports): the database opened
 * read-only, nothing created, no migration, no secret made.
 */
export function openReadOnlyContext(configFlag: string | undefined, env: NodeJS.ProcessEnv): ReadOnlyContext {
  const { settings, source } = locateSettings(configFlag, env);
  const db = openDatabaseReadOnly(existingDatabasePath(settings, source));
  return {
    settings,
    db,
    users: new UserStore(db),
    audit: new AuditLog(db, settings.door_id),
    close: () => db.close(),
  };
}

export { ConfigError };
