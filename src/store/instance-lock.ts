import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { DATA_FILE_MODE, touchPrivate } from "./data-dir.js";

/** A second `doorward start` on the same data_dir. */
export class AlreadyRunningError extends Error {
  override name = "AlreadyRunningError";
}

export interface InstanceLock {
  release(): void;
}

/**
 * One service per data_dir. The lock is an OS lock, taken through SQLite: a dedicated database
 * in exclusive locking mode keeps its POSIX lock after the first write until the connection
 * closes, and the kernel drops it when the process dies, kill -9 included, so a crash never
 * leaves a stale lock (a pid file or an npm lock file can). The owner file only names the holder
 * for the error message; the lock, not that file, decides.
 */
export function acquireInstanceLock(dataDir: string, owner: { door: string; nowMs: number }): InstanceLock {
  const lockPath = join(dataDir, "doorward.lock");
  const ownerPath = join(dataDir, "doorward.lock.owner");
  touchPrivate(lockPath);
  const db = new Database(lockPath);
  try {
    // Refuse rather than wait for a holder to exit (it never lets go while it runs); the short
    // wait only covers `doorward doctor` reading the file for a moment (instanceLockHeld below).
    db.pragma(`busy_timeout = ${PROBE_TOLERANCE_MS}`);
    db.pragma("locking_mode = EXCLUSIVE");
    db.exec("CREATE TABLE IF NOT EXISTS holder (pid INTEGER); DELETE FROM holder;");
    db.prepare("INSERT INTO holder (pid) VALUES (?)").run(process.pid);
  } catch (err) {
    db.close();
    if ((err as { code?: string }).code?.startsWith("SQLITE_BUSY")) {
      throw new AlreadyRunningError(
        `another doorward is already running on data_dir ${dataDir}${describeOwner(ownerPath)}; stop it first`,
      );
    }
    throw err;
  }
  writeFileSync(
    ownerPath,
    `${JSON.stringify({ pid: process.pid, door: owner.door, since: new Date(owner.nowMs).toISOString() })}\n`,
    { mode: DATA_FILE_MODE },
  );
  return { release: () => db.close() };
}

/** How long a starting service waits out a probe's momentary read lock; far more than a read takes. */
const PROBE_TOLERANCE_MS = 200;

/**
 * Whether a doorward process (the service, or `osdp install`) holds the instance lock of dataDir,
 * for `doorward doctor`, which must not take it. A read-only read of the lock file needs a shared
 * lock, which the holder's exclusive one refuses (SQLITE_BUSY, at once); the kernel drops that lock
 * with the process, kill -9 included, so a crashed service reads as not running. false when the
 * file does not exist (no service ever ran here), null when it cannot tell (unreadable file).
 */
export function instanceLockHeld(dataDir: string): boolean | null {
  const lockPath = join(dataDir, "doorward.lock");
  if (!existsSync(lockPath)) return false;
  let db: Database.Database;
  try {
    db = new Database(lockPath, { readonly: true, fileMustExist: true });
  } catch {
    return null;
  }
  try {
    db.pragma("busy_timeout = 0");
    db.prepare("SELECT count(*) FROM sqlite_master").get();
    return false;
  } catch (err) {
    return (err as { code?: string }).code?.startsWith("SQLITE_BUSY") ? true : null;
  } finally {
    db.close();
  }
}

function describeOwner(ownerPath: string): string {
  try {
    const o = JSON.parse(readFileSync(ownerPath, "utf8")) as { pid?: number; door?: string; since?: string };
    return ` (pid ${o.pid}, door ${o.door}, running since ${o.since})`;
  } catch {
    return "";
  }
}
