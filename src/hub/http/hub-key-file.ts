import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * `<data_dir>/<fileName>`: 32 random bytes made on first use (0600). The hub's keyed hashes use
 * keys kept here, beside the hub and not in its database, so a copy of the database alone cannot
 * be searched for the names they stand for.
 */
export function loadOrCreateKeyFile(dataDir: string, fileName: string): Buffer {
  const file = join(dataDir, fileName);
  const existing = loadKeyFile(dataDir, fileName);
  if (existing) return existing;
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const key = randomBytes(32);
  try {
    writeFileSync(file, key, { mode: 0o600, flag: "wx" });
  } catch (err) {
    // Another hub process on this data dir made it first: use theirs.
    if ((err as NodeJS.ErrnoException).code === "EEXIST") return readFileSync(file);
    throw err;
  }
  chmodSync(file, 0o600); // whatever the umask
  return key;
}

/** The key if `<data_dir>/<fileName>` exists, else null: for readers, which must not make one. */
export function loadKeyFile(dataDir: string, fileName: string): Buffer | null {
  try {
    return readFileSync(join(dataDir, fileName));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
    throw err;
  }
}
