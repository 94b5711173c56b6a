import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, mkdirSync, openSync, readFileSync, statSync, writeSync } from "node:fs";
import { dirname } from "node:path";

/**
 * The per-device key that turns PINs and badge numbers into keyed hashes. Created once, at
 * first start, readable only by the service user (0600). Without it a stolen database is not
 * enough to test PIN guesses offline; it is never in the database, logs or backups of the database.
 */
export function loadOrCreateDeviceSecret(path: string): Buffer {
  try {
    const mode = statSync(path).mode & 0o777;
    if (mode & 0o077) chmodSync(path, 0o600); // tighten a copy restored with loose permissions
    const secret = Buffer.from(readFileSync(path, "utf8").trim(), "hex");
    if (secret.length < 32) throw new Error(`device secret ${path} is shorter than 32 bytes`);
    return secret;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
  mkdirSync(dirname(path), { recursive: true });
  const secret = randomBytes(32);
  // O_EXCL: if another process created it meanwhile, fail and let the caller retry rather than overwrite.
  const fd = openSync(path, "wx", 0o600);
  try {
    writeSync(fd, `${secret.toString("hex")}\n`);
  } finally {
    closeSync(fd);
  }
  return secret;
}
