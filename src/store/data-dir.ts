import { chmodSync, closeSync, lstatSync, mkdirSync, openSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** data_dir holds the database, the WAL, the device secret and keys: only the service user reads it. */
export const DATA_DIR_MODE = 0o700;
export const DATA_FILE_MODE = 0o600;

export interface ModeProblem {
  path: string;
  mode: number;
  expected: number;
}

/** Every entry of data_dir (and data_dir itself) whose permission bits are not the expected ones. */
export function dataDirModeProblems(dir: string): ModeProblem[] {
  const problems: ModeProblem[] = [];
  const check = (path: string) => {
    const s = lstatSync(path);
    // A symlink (a certificate kept elsewhere) is not followed: its target is not ours to chmod.
    if (s.isSymbolicLink()) return;
    const expected = s.isDirectory() ? DATA_DIR_MODE : DATA_FILE_MODE;
    const mode = s.mode & 0o777;
    if (mode !== expected) problems.push({ path, mode, expected });
    if (s.isDirectory()) for (const name of readdirSync(path)) check(join(path, name));
  };
  check(dir);
  return problems;
}

/**
 * Run at every start, in every mode (the simulator too): creates data_dir 0700 and tightens
 * anything in it that a restore, a copy or an older version left readable by others. Returns
 * what was fixed, for the log.
 */
export function secureDataDir(dir: string): ModeProblem[] {
  mkdirSync(dir, { recursive: true, mode: DATA_DIR_MODE });
  const problems = dataDirModeProblems(dir);
  for (const p of problems) chmodSync(p.path, p.expected);
  return problems;
}

/**
 * Creates an empty file 0600 if it is not there yet, so that SQLite (which gives a database's
 * -wal and -shm the mode of the database file) never makes a world-readable one.
 */
export function touchPrivate(path: string): void {
  closeSync(openSync(path, "a", DATA_FILE_MODE));
}
