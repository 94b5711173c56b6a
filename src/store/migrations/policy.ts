import type { Migration } from "../migrations.js";
import { FINGERPRINT_DELETE_TRIGGER } from "./credentials.js";

/**
 * Migration 4: the records-room policy. Schedules with weekly windows, holidays, per-user roles,
 * agreement dates and schedule assignments, a 'duress' credential kind, and the checkpoints
 * that keep the audit chain verifiable after retention purges.
 *
 * SQLite cannot widen a CHECK constraint in place, so credentials is rebuilt: copy into a new
 * table with the wider CHECK, drop the old one, rename. Nothing references credentials (it is
 * the child of users), so the drop does not trip foreign keys; the drop also removes migration
 * 2's trigger on credentials, so it is created again; the migration runner wraps all
 * of it in one IMMEDIATE transaction, so a crash half-way leaves version 3 and the old table.
 */
export const policyMigration: Migration = {
  version: 4,
  name: "policy: schedules, holidays, roles, agreements, duress credentials, audit checkpoints",
  sql: `
    CREATE TABLE credentials_v4 (
      id INTEGER PRIMARY KEY,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      kind TEXT NOT NULL CHECK (kind IN ('pin', 'badge', 'fingerprint', 'duress')),
      -- keyed hash for pins, duress pins and badges; the sensor slot number for fingerprints
      lookup TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      UNIQUE (kind, lookup)
    );
    INSERT INTO credentials_v4 (id, user_id, kind, lookup, created_ms)
      SELECT id, user_id, kind, lookup, created_ms FROM credentials;
    DROP TABLE credentials;
    ALTER TABLE credentials_v4 RENAME TO credentials;
    CREATE INDEX credentials_user ON credentials(user_id);
    -- A typed PIN is looked up among pins and duress pins in one probe of this index.
    CREATE INDEX credentials_lookup ON credentials(lookup);
    -- Dropping the old table dropped its triggers (without firing them); migration 2's comes back.
    ${FINGERPRINT_DELETE_TRIGGER}

    ALTER TABLE users ADD COLUMN role TEXT NOT NULL DEFAULT 'user' CHECK (role IN ('user', 'override', 'admin'));
    ALTER TABLE users ADD COLUMN agreement_until_ms INTEGER;

    CREATE TABLE schedules (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      created_ms INTEGER NOT NULL
    );
    -- weekday 0 = Monday; end_min <= start_min means the window runs past midnight into the next day
    CREATE TABLE schedule_windows (
      id INTEGER PRIMARY KEY,
      schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE CASCADE,
      weekday INTEGER NOT NULL CHECK (weekday BETWEEN 0 AND 6),
      start_min INTEGER NOT NULL CHECK (start_min BETWEEN 0 AND 1439),
      end_min INTEGER NOT NULL CHECK (end_min BETWEEN 0 AND 1440),
      CHECK (start_min <> end_min)
    );
    CREATE INDEX schedule_windows_schedule ON schedule_windows(schedule_id);
    CREATE TABLE holidays (
      date TEXT PRIMARY KEY CHECK (date GLOB '[0-9][0-9][0-9][0-9]-[0-1][0-9]-[0-3][0-9]'),
      name TEXT NOT NULL DEFAULT ''
    );
    CREATE TABLE user_schedules (
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      schedule_id INTEGER NOT NULL REFERENCES schedules(id) ON DELETE RESTRICT,
      PRIMARY KEY (user_id, schedule_id)
    ) WITHOUT ROWID;

    CREATE TABLE audit_checkpoints (
      id INTEGER PRIMARY KEY,
      through_seq INTEGER NOT NULL,
      through_hash TEXT NOT NULL,
      purged_rows INTEGER NOT NULL,
      created_ms INTEGER NOT NULL
    );
  `,
};
