import { join } from "node:path";
import Database from "better-sqlite3";
import { GENESIS_HASH, rowHash } from "../src/audit/audit-log.js";
import { CredentialHasher } from "../src/secrets/credential-hasher.js";
import { loadOrCreateDeviceSecret } from "../src/secrets/device-secret.js";
import { openDatabase } from "../src/store/open-database.js";

/**
 * Builds a site-sized database: `users` people each with a PIN (person i has PIN 10000000+i)
 * and `auditRows` chained audit rows. Seeding runs with synchronous=OFF for speed; the
 * controller reopens it with its normal FULL durability.
 */
export function seedLargeSite(dataDir: string, users: number, auditRows: number): void {
  openDatabase(join(dataDir, "doorward.db")).close(); // schema via the real migrations
  const hasher = new CredentialHasher(loadOrCreateDeviceSecret(join(dataDir, "secret.key")));
  const db = new Database(join(dataDir, "doorward.db"));
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = OFF");
  const now = Date.now();
  const addUser = db.prepare("INSERT INTO users (user_code, name, enabled, created_ms) VALUES (?, ?, 1, ?)");
  const addPin = db.prepare(
    "INSERT INTO credentials (user_id, kind, lookup, created_ms) VALUES (?, 'pin', ?, ?)",
  );
  db.transaction(() => {
    for (let i = 0; i < users; i++) {
      const id = Number(
        addUser.run(`u-B${i.toString(36).toUpperCase().padStart(5, "0")}`, `person ${i}`, now)
          .lastInsertRowid,
      );
      addPin.run(id, hasher.hash("pin", String(10_000_000 + i)), now);
    }
  })();
  // Positional parameters: binding 10,000,000 named objects is most of the seeding time.
  const insert = db.prepare(
    `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  let prev = GENESIS_HASH;
  const batch = 100_000;
  for (let start = 1; start <= auditRows; start += batch) {
    db.transaction(() => {
      for (let seq = start; seq < Math.min(start + batch, auditRows + 1); seq++) {
        const granted = seq % 7 !== 0;
        const base = {
          seq,
          ts_ms: now - (auditRows - seq) * 1000,
          door: "records-room",
          kind: "access" as const,
          credential: "pin" as const,
          outcome: granted ? ("granted" as const) : ("denied" as const),
          reason: granted ? "granted" : "unknown_credential",
          user_code: granted ? `u-B${(seq % users).toString(36).toUpperCase().padStart(5, "0")}` : null,
          detail: null,
          prev_hash: prev,
        };
        const hash = rowHash(base);
        insert.run(
          seq,
          base.ts_ms,
          base.door,
          base.kind,
          base.credential,
          base.outcome,
          base.reason,
          base.user_code,
          null,
          prev,
          hash,
        );
        prev = hash;
      }
    })();
  }
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}
