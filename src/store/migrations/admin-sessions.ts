import type { Migration } from "../migrations.js";

/**
 * Admin sessions, login throttles and conflict counts in the database, so the CLI (another
 * process) can end a session and a restart neither logs everyone out nor resets a guesser.
 * Sessions are keyed by a SHA-256 of the token: a copy of the database cannot be replayed as a
 * cookie. Throttles are keyed by a keyed hash of the typed name (people type passwords into name
 * fields) and the client address. Deleting an admin deletes their sessions (foreign key).
 */
export const adminSessionsMigration: Migration = {
  version: 7,
  name: "admin sessions, login throttles, conflict answers",
  sql: `
    CREATE TABLE admin_sessions (
      token_hash TEXT PRIMARY KEY,
      admin_id INTEGER NOT NULL REFERENCES admin_accounts(id) ON DELETE CASCADE,
      created_ms INTEGER NOT NULL,
      last_seen_ms INTEGER NOT NULL
    );
    CREATE INDEX admin_sessions_admin ON admin_sessions(admin_id);
    CREATE TABLE admin_login_throttles (
      name_key TEXT NOT NULL,
      address TEXT NOT NULL,
      failures INTEGER NOT NULL,
      throttles INTEGER NOT NULL DEFAULT 0,
      throttled_until_ms INTEGER,
      last_failure_ms INTEGER NOT NULL,
      PRIMARY KEY (name_key, address)
    );
    CREATE TABLE admin_conflict_answers (
      admin_id INTEGER NOT NULL REFERENCES admin_accounts(id) ON DELETE CASCADE,
      ts_ms INTEGER NOT NULL
    );
    CREATE INDEX admin_conflict_answers_admin ON admin_conflict_answers(admin_id, ts_ms);
  `,
};
