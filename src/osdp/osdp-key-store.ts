import { closeSync, existsSync, fsyncSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { join } from "node:path";
import { SecretKey } from "../../devices/osdp/secure-channel.js";

/** Where the readers' Secure Channel base keys live: with the device secrets, mode 0600. */
export function osdpKeyPath(dataDir: string): string {
  return join(dataDir, "osdp-keys.json");
}

/**
 * The SCBK of each OSDP reader, by reader id, as `{ "outer-in": "<32 hex>" }`. Keys leave this
 * file only as SecretKey objects, which print as [redacted]. A write goes to a 0600 temporary
 * file, is fsync'd and renamed over the old one: a crash leaves the old keys or the new, never a
 * torn file (a lost key means a reader that must be reset to factory state).
 */
export class OsdpKeyStore {
  constructor(private readonly dataDir: string) {}

  get path(): string {
    return osdpKeyPath(this.dataDir);
  }

  get(readerId: string): SecretKey | null {
    const hex = this.readAll()[readerId];
    return hex === undefined ? null : SecretKey.fromHex(hex);
  }

  set(readerId: string, key: SecretKey): void {
    const all = this.readAll();
    all[readerId] = key.reveal().toString("hex");
    const tmp = `${this.path}.tmp`;
    const fd = openSync(tmp, "w", 0o600);
    try {
      writeSync(fd, `${JSON.stringify(all, null, 2)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, this.path);
    const dir = openSync(this.dataDir, "r");
    try {
      fsyncSync(dir);
    } finally {
      closeSync(dir);
    }
  }

  private readAll(): Record<string, string> {
    if (!existsSync(this.path)) return {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(this.path, "utf8"));
    } catch {
      // Never echo the content: it is key material.
      throw new Error(`${this.path} is not valid JSON`);
    }
    if (!parsed || typeof parsed !== "object" || Array.isArray(parsed))
      throw new Error(`${this.path} must hold an object of reader id → key`);
    const out: Record<string, string> = {};
    for (const [id, hex] of Object.entries(parsed)) {
      if (typeof hex !== "string" || !/^[0-9a-fA-F]{32}$/.test(hex))
        throw new Error(`${this.path}: the key of '${id}' is not 32 hex digits`);
      out[id] = hex;
    }
    return out;
  }
}
