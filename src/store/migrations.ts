import { accessLevelsMigration } from "./migrations/access-levels.js";
import { adminAccountsMigration } from "./migrations/admin-accounts.js";
import { adminCodesMigration } from "./migrations/admin-codes.js";
import { adminSessionsMigration } from "./migrations/admin-sessions.js";
import { auditKindCheckMigration } from "./migrations/audit-kind-check.js";
import { credentialsMigration } from "./migrations/credentials.js";
import { doorNamespaceMigration } from "./migrations/door-namespace.js";
import { mqttMigration } from "./migrations/mqtt.js";
import { policyMigration } from "./migrations/policy.js";
import { policyRevisionMigration } from "./migrations/policy-revision.js";
import type { Db } from "./open-database.js";

export interface Migration {
  version: number;
  name: string;
  /** The change as SQL, or */
  sql?: string;
  /** as code, for what SQL alone cannot do; it runs inside the migration's transaction. */
  run?: (db: Db) => void;
}

/**
 * Versioned schema changes, applied in order inside one transaction each; PRAGMA user_version
 * records the last one applied. Never edit a released migration: add the next one.
 */
export const migrations: Migration[] = [
  {
    version: 1,
    name: "users, credentials, audit events, key-value state",
    sql: `
      CREATE TABLE users (
        id INTEGER PRIMARY KEY,
        user_code TEXT NOT NULL UNIQUE,
        name TEXT NOT NULL,
        enabled INTEGER NOT NULL DEFAULT 1,
        valid_from_ms INTEGER,
        valid_until_ms INTEGER,
        created_ms INTEGER NOT NULL
      );
      CREATE UNIQUE INDEX users_name ON users(name);
      CREATE TABLE credentials (
        id INTEGER PRIMARY KEY,
        user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        kind TEXT NOT NULL CHECK (kind IN ('pin', 'badge', 'fingerprint')),
        -- keyed hash for pins and badges; the sensor slot number for fingerprints
        lookup TEXT NOT NULL,
        created_ms INTEGER NOT NULL,
        UNIQUE (kind, lookup)
      );
      CREATE INDEX credentials_user ON credentials(user_id);
      CREATE TABLE audit_events (
        seq INTEGER PRIMARY KEY,
        ts_ms INTEGER NOT NULL,
        door TEXT NOT NULL,
        kind TEXT NOT NULL CHECK (kind IN ('access', 'door', 'system')),
        credential TEXT,
        outcome TEXT CHECK (outcome IN ('granted', 'denied') OR outcome IS NULL),
        reason TEXT NOT NULL,
        user_code TEXT,
        detail TEXT,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX audit_events_ts ON audit_events(ts_ms);
      CREATE TABLE kv (key TEXT PRIMARY KEY, value TEXT NOT NULL);
    `,
  },
  policyMigration,
  mqttMigration,
  credentialsMigration,
  adminAccountsMigration,
  policyRevisionMigration,
  adminSessionsMigration,
  doorNamespaceMigration,
  accessLevelsMigration,
  adminCodesMigration,
  auditKindCheckMigration,
];
