import type { Migration } from "../migrations.js";

/** Web admin accounts: scrypt password hashes and the per-account login lockout (persists across restarts). */
export const adminAccountsMigration: Migration = {
  version: 5,
  name: "web admin accounts",
  sql: `
    CREATE TABLE admin_accounts (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      password_hash TEXT NOT NULL,
      created_ms INTEGER NOT NULL,
      failed_logins INTEGER NOT NULL DEFAULT 0,
      locked_until_ms INTEGER,
      last_login_ms INTEGER
    );
  `,
};
