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
 * Web admin accounts in SQLite. The failure count and lock live in the row, so restarting the
 * controller does not give a password guesser a fresh set of tries.
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

  remove(name: string): boolean {
    return this.db.prepare("DELETE FROM admin_accounts WHERE name = ?").run(name).changes > 0;
  }

  setPassword(name: string, passwordHash: string): void {
    const changed = this.db
      .prepare(
        "UPDATE admin_accounts SET password_hash = ?, failed_logins = 0, locked_until_ms = NULL WHERE name = ?",
      )
      .run(passwordHash, name).changes;
    if (!changed) throw new StoreError(`no such admin: '${name}'`);
  }

  /** Counts a wrong password; locks the account when the count reaches maxFailures. Returns the lock end, if it locked. */
  recordFailure(id: number, nowMs: number, maxFailures: number, lockMs: number): number | null {
    return this.db
      .transaction(() => {
        const row = this.db.prepare<[number], Row>("SELECT * FROM admin_accounts WHERE id = ?").get(id);
        if (!row) return null;
        const failures = row.failed_logins + 1;
        const lockedUntil = failures >= maxFailures ? nowMs + lockMs : null;
        this.db
          .prepare("UPDATE admin_accounts SET failed_logins = ?, locked_until_ms = ? WHERE id = ?")
          .run(lockedUntil === null ? failures : 0, lockedUntil ?? row.locked_until_ms, id);
        return lockedUntil;
      })
      .immediate();
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
