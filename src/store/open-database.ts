import { mkdirSync } from "node:fs";
import { dirname } from "node:path";
import Database from "better-sqlite3";
import { migrations as defaultMigrations, type Migration } from "./migrations.js";

export type Db = Database.Database;

/**
 * Opens the controller's database with the durability every writer relies on: WAL so the CLI
 * and the service can share it, synchronous=FULL so a committed audit row survives power loss
 * (better-sqlite3 defaults to NORMAL in WAL mode, which may lose the last commits), and a busy
 * timeout so a CLI write never fails just because the service is mid-transaction.
 */
export function openDatabase(path: string, migrations: Migration[] = defaultMigrations): Db {
  if (path !== ":memory:") mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  migrate(db, migrations);
  return db;
}

function migrate(db: Db, migrations: Migration[]): void {
  const current = db.pragma("user_version", { simple: true }) as number;
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  if (current > latest) {
    throw new Error(
      `database schema version ${current} is newer than this doorward (${latest}); upgrade doorward`,
    );
  }
  for (const m of [...migrations].sort((a, b) => a.version - b.version)) {
    if (m.version <= current) continue;
    // IMMEDIATE: a second process starting at the same moment waits instead of migrating twice.
    db.transaction(() => {
      const now = db.pragma("user_version", { simple: true }) as number;
      if (m.version <= now) return;
      db.exec(m.sql);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
