import type { Db } from "../../store/open-database.js";
import { StoreError } from "../../store/user-store.js";

export interface AdminAccount {
  id: number;
  name: string;
  passwordHash: string;
  failedLogins: number;
  lockedUntilMs: number | null;
  lastLoginMs: number | null;
}

interface Row {
  id: number;
  name: string;
  password_hash: string;
  failed_logins: number;
  locked_until_ms: number | null;
  last_login_ms: number | null;
}

const toAccount = (r: Row): AdminAccount => ({
  id: r.id,
  name: r.name,
  passwordHash: r.password_hash,
  failedLogins: r.failed_logins,
  lockedUntilMs: r.locked_until_ms,
  lastLoginMs: r.last_login_ms,
});

export const ADMIN_NAME_PATTERN = /^[a-z0-9][a-z0-9._-]{0,31}$/;

/**
 * Web admin accounts in SQLite. Wrong passwords are counted per name and address in
 * login-throttle.ts, never per account alone (that let a stranger lock the real admin out).
 */
export class AdminAccountStore {
  constructor(private readonly db: Db) {}

  add(name: string, passwordHash: string, nowMs: number): AdminAccount {
    if (!ADMIN_NAME_PATTERN.test(name))
      throw new StoreError("an admin name is 1-32 lowercase letters, digits, '.', '_' or '-'");
    if (this.find(name)) throw new StoreError(`admin '${name}' already exists`);
    this.db
      .prepare("INSERT INTO admin_accounts (name, password_hash, created_ms) VALUES (?, ?, ?)")
      .run(name, passwordHash, nowMs);
    return this.find(name) as AdminAccount;
  }

  find(name: string): AdminAccount | undefined {
    const row = this.db.prepare<[string], Row>("SELECT * FROM admin_accounts WHERE name = ?").get(name);
    return row ? toAccount(row) : undefined;
  }

  list(): AdminAccount[] {
    return this.db.prepare<[], Row>("SELECT * FROM admin_accounts ORDER BY name").all().map(toAccount);
  }

  /** Removes the account; its sessions go with it (admin_sessions references it ON DELETE CASCADE). */
  remove(name: string): boolean {
    return this.db.prepare("DELETE FROM admin_accounts WHERE name = ?").run(name).changes > 0;
  }

  /** A new password ends every session opened with the old one, in the same commit. */
  setPassword(name: string, passwordHash: string): void {
    this.db.transaction(() => {
      const changed = this.db
        .prepare(
          "UPDATE admin_accounts SET password_hash = ?, failed_logins = 0, locked_until_ms = NULL WHERE name = ?",
        )
        .run(passwordHash, name).changes;
      if (!changed) throw new StoreError(`no such admin: '${name}'`);
      this.db
        .prepare("DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admin_accounts WHERE name = ?)")
        .run(name);
    })();
  }

  recordSuccess(id: number, nowMs: number): void {
    this.db
      .prepare(
        "UPDATE admin_accounts SET failed_logins = 0, locked_until_ms = NULL, last_login_ms = ? WHERE id = ?",
      )
      .run(nowMs, id);
  }

  unlock(name: string): void {
    this.db
      .prepare("UPDATE admin_accounts SET failed_logins = 0, locked_until_ms = NULL WHERE name = ?")
      .run(name);
  }
}
