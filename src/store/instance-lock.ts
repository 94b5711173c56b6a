import { readFileSync, writeFileSync } from "node:fs";
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
    db.pragma("busy_timeout = 0"); // refuse at once rather than wait for the holder to exit
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

function describeOwner(ownerPath: string): string {
  try {
    const o = JSON.parse(readFileSync(ownerPath, "utf8")) as { pid?: number; door?: string; since?: string };
    return ` (pid ${o.pid}, door ${o.door}, running since ${o.since})`;
  } catch {
    return "";
  }
}
