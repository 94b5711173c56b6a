import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { dirname } from "node:path";
import { pathToFileURL } from "node:url";
import Database from "better-sqlite3";
import { migrations as defaultMigrations, type Migration } from "./migrations.js";

export type Db = Database.Database;

/** SQLite page cache of a read-write connection, in kB (see openDatabase). */
export const PAGE_CACHE_KB = 2_000;

// better-sqlite3 reads this once, when its native addon loads (at the first `new Database`):
// it lets openDatabaseReadOnly open a stopped service's database with `immutable=1`. Our own
// paths are absolute, never `file:` URIs, so nothing else changes meaning.
process.env.SQLITE_USE_URI ??= "1";

/**
 * Opens the controller's database with the durability every writer relies on: WAL so the CLI
 * and the service can share it, synchronous=FULL so a committed audit row survives power loss
 * (better-sqlite3 defaults to NORMAL in WAL mode, which may lose the last commits), and a busy
 * timeout so a CLI write never fails just because the service is mid-transaction.
 */
export function openDatabase(
  path: string,
  migrationsOrOptions: Migration[] | OpenOptions = defaultMigrations,
): Db {
  const { migrations = defaultMigrations, mustExist = false } = Array.isArray(migrationsOrOptions)
    ? { migrations: migrationsOrOptions }
    : migrationsOrOptions;
  if (path !== ":memory:" && !mustExist) mkdirSync(dirname(path), { recursive: true });
  const db = new Database(path, { fileMustExist: mustExist });
  // Deleted content is overwritten with zeros, so an erased name does not linger in free space.
  db.pragma("secure_delete = ON");
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.pragma("foreign_keys = ON");
  db.pragma("busy_timeout = 5000");
  // better-sqlite3 builds SQLite with a 16 MB page cache per connection; at 50 attempts/s on a
  // 1,000,000-person site it fills and stays resident. 2 MB holds the upper levels of the indexes
  // a lookup walks (the leaves are random either way): issue 15, 100 MB resident in all.
  db.pragma(`cache_size = -${PAGE_CACHE_KB}`);
  migrate(db, migrations);
  return db;
}

export interface OpenOptions {
  migrations?: Migration[];
  /** Fail instead of creating the file: every command but `start` (see cli-context.ts). */
  mustExist?: boolean;
}

/**
 * For readers that must change nothing (`log verify`, exports): no file is created, no
 * migration runs. SQLite opening a WAL database, even read-only, creates -wal and -shm files and
 * leaves them behind; so when there is no -wal (the service is stopped and checkpointed, the
 * whole database is in the main file) the file is opened `immutable`: read in place, no lock, no
 * -wal or -shm (a 10,000,000-row log is gigabytes: it must not be read into memory). With a -wal
 * present the service is running and both files exist already: open it in place.
 */
export function openDatabaseReadOnly(path: string): Db {
  if (existsSync(`${path}-wal`)) {
    const db = new Database(path, { readonly: true, fileMustExist: true });
    db.pragma("busy_timeout = 5000");
    return db;
  }
  try {
    return new Database(`${pathToFileURL(path).href}?mode=ro&immutable=1`, {
      readonly: true,
      fileMustExist: true,
    });
  } catch {
    // URIs were off when the addon loaded (SQLITE_USE_URI=0 in the environment): the copy below.
  }
  const image = readFileSync(path);
  // Header bytes 18-19 say "WAL"; an in-memory copy has no WAL, so read it as a rollback database.
  if (image.length >= 20) image[18] = image[19] = 1;
  return new Database(image, { readonly: true });
}

/** Writes the WAL back into the database and truncates it to zero bytes (see `user erase`). */
export function checkpointAndTruncateWal(db: Db): void {
  const [result] = db.pragma("wal_checkpoint(TRUNCATE)") as Array<{ busy: number }>;
  if (result && result.busy !== 0)
    throw new Error(
      "the write-ahead log could not be checkpointed (a reader held it); run the command again",
    );
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
      if (m.sql) db.exec(m.sql);
      m.run?.(db);
      db.pragma(`user_version = ${m.version}`);
    }).immediate();
  }
}
