import type { Statement } from "better-sqlite3";
import type { Settings } from "../config/schema.js";
import { loadCredentialKey } from "../secrets/credential-key.js";
import type { Db } from "../store/open-database.js";
import { ActorCodes, IDENTITY_KEYS, isAdminCode } from "./actor-codes.js";
import type { AuditRecord } from "./audit-log.js";

/**
 * Admin identities as rows store them. A row names an admin by their admin code (`web:a-7K3M9Q`),
 * never by account name, so every row can leave the device exactly as hashed (MQTT `P/event`,
 * the site hub) and names no one. The `admin_codes` table, which never leaves the device, says
 * which account a code stands for, so the device can still show who it was (`log tail
 * --with-names`, the admin page). Removing an admin deletes its entry (secure_delete overwrites
 * it): their rows keep the bare code. Rows written before this change still hold the account
 * name, as hashed; exports pseudonymise those at export time (ActorCodes).
 */
export class AdminCodeBook {
  private hasTable: boolean | undefined;
  private lookup: Statement<[string], string> | undefined;

  /** `codes` null: a reader that only names codes (`log tail --with-names`), so it needs no key. */
  constructor(
    private readonly db: Db,
    private readonly codes: ActorCodes | null,
  ) {}

  /** Keyed like exports: the credential key (a fleet key gives an admin one code at every door). */
  static forSettings(db: Db, settings: Settings): AdminCodeBook {
    return new AdminCodeBook(db, new ActorCodes(loadCredentialKey(settings)));
  }

  /**
   * What a row stores for `identity` (`os:root`, `web:ada`): its admin code, noted in the table
   * first so the device can name it later. A channel (`mqtt`, `web`) names no one and stays as is.
   */
  actor(identity: string): string {
    if (!this.codes) throw new Error("AdminCodeBook: a reader cannot write admin codes");
    const code = this.codes.code(identity);
    if (code === identity) return identity;
    // Read first: most actions come from an admin already noted, and a read takes no write lock.
    if (this.accountOf(code) !== identity)
      this.db.prepare("INSERT OR REPLACE INTO admin_codes (code, account) VALUES (?, ?)").run(code, identity);
    return code;
  }

  /** Deletes the entry for an account (`web:ada`): its code names no one on this device any more. */
  forget(identity: string): void {
    if (this.tableExists()) this.db.prepare("DELETE FROM admin_codes WHERE account = ?").run(identity);
  }

  accountOf(code: string): string | undefined {
    if (!this.tableExists()) return undefined;
    // Prepared once: the page names every row of a log view through here.
    this.lookup ??= this.db
      .prepare<[string], string>("SELECT account FROM admin_codes WHERE code = ?")
      .pluck();
    return this.lookup.get(code);
  }

  /** An identity for people on this device: a known code as its account, anything else as it is. */
  named(identity: string): string {
    return isAdminCode(identity) ? (this.accountOf(identity) ?? identity) : identity;
  }

  /** A row's detail for display on the device: admin codes as the accounts they stand for. */
  namedDetail(detail: Record<string, unknown> | null): Record<string, unknown> | null {
    if (!detail) return detail;
    let out = detail;
    for (const key of IDENTITY_KEYS) {
      const value = detail[key];
      if (typeof value === "string" && isAdminCode(value)) {
        const account = this.accountOf(value);
        if (account) out = { ...out, [key]: account };
      }
    }
    return out;
  }

  namedRecord(r: AuditRecord): AuditRecord {
    const detail = this.namedDetail(r.detail);
    return detail === r.detail ? r : { ...r, detail };
  }

  /** A database opened read-only without migrating (an auditor's `log tail`) may predate the table. */
  private tableExists(): boolean {
    this.hasTable ??=
      this.db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'admin_codes'").get() !==
      undefined;
    return this.hasTable;
  }
}
