import { ADMIN_NAME_PATTERN } from "../../admin/http/admin-account-store.js";
import { StoreError } from "../../store/user-store.js";
import type { HubStore, Sql } from "../store/hub-store.js";
import type { AuditorTrail, TrailAction } from "./auditor-trail.js";

/** A refused account change (the CLI prints it and exits 1). */
export class AuditorError extends StoreError {}

export interface Auditor {
  id: number;
  name: string;
  passwordHash: string;
  lastLogin: string | null;
}

/** Auditor names follow the door's admin names: 1-32 lowercase letters, digits, '.', '_' or '-'. */
export const AUDITOR_NAME_PATTERN = ADMIN_NAME_PATTERN;

/**
 * The hub page's accounts, in the hub's database (so every hub process sharing a PostgreSQL
 * sees the same ones). Removing an account or changing its password ends its sessions in the
 * same commit: the next request with an old cookie is a 401. Every change also writes its row of
 * the hub's auditor trail in that commit (`by`: who made it, `os:<user>`); the page, which only
 * reads accounts, is built without a trail and cannot change them.
 */
export class AuditorAccounts {
  constructor(
    private readonly store: HubStore,
    private readonly trail: AuditorTrail | null = null,
  ) {}

  async add(name: string, passwordHash: string, by: string): Promise<void> {
    if (!AUDITOR_NAME_PATTERN.test(name))
      throw new AuditorError("an auditor name is 1-32 lowercase letters, digits, '.', '_' or '-'");
    await this.change("add", name, by, async (tx) => {
      const rows = await tx.query(
        "INSERT INTO hub_auditors (name, password_hash) VALUES ($1, $2) ON CONFLICT (name) DO NOTHING RETURNING id",
        [name, passwordHash],
      );
      if (rows.length === 0) throw new AuditorError(`auditor '${name}' already exists`);
    });
  }

  async find(name: string): Promise<Auditor | undefined> {
    const [row] = await this.store.query<{
      id: number;
      name: string;
      password_hash: string;
      last_login: Date | null;
    }>("SELECT id, name, password_hash, last_login FROM hub_auditors WHERE name = $1", [name]);
    return row
      ? {
          id: row.id,
          name: row.name,
          passwordHash: row.password_hash,
          lastLogin: row.last_login?.toISOString() ?? null,
        }
      : undefined;
  }

  async list(): Promise<Array<{ name: string; lastLogin: string | null }>> {
    const rows = await this.store.query<{ name: string; last_login: Date | null }>(
      "SELECT name, last_login FROM hub_auditors ORDER BY name",
    );
    return rows.map((r) => ({ name: r.name, lastLogin: r.last_login?.toISOString() ?? null }));
  }

  async any(): Promise<boolean> {
    const rows = await this.store.query("SELECT 1 FROM hub_auditors LIMIT 1");
    return rows.length > 0;
  }

  /** Its sessions go with it (ON DELETE CASCADE). */
  async remove(name: string, by: string): Promise<void> {
    await this.change("remove", name, by, async (tx) => {
      const rows = await tx.query("DELETE FROM hub_auditors WHERE name = $1 RETURNING id", [name]);
      if (rows.length === 0) throw new AuditorError(`no such auditor: '${name}'`);
    });
  }

  /** A new password ends every session opened with the old one, in the same commit. */
  async setPassword(name: string, passwordHash: string, by: string): Promise<void> {
    await this.change("passwd", name, by, async (tx) => {
      const rows = await tx.query<{ id: number }>(
        "UPDATE hub_auditors SET password_hash = $2 WHERE name = $1 RETURNING id",
        [name, passwordHash],
      );
      if (!rows[0]) throw new AuditorError(`no such auditor: '${name}'`);
      await tx.query("DELETE FROM hub_auditor_sessions WHERE auditor_id = $1", [rows[0].id]);
    });
  }

  /** The change and its trail row in one transaction: both commit, or neither. */
  private async change(action: TrailAction, name: string, by: string, fn: (tx: Sql) => Promise<void>) {
    const trail = this.trail;
    if (!trail) throw new Error("AuditorAccounts: changing accounts needs the auditor trail");
    await this.store.transaction(async (tx) => {
      await fn(tx);
      await trail.append(tx, action, name, by);
    });
  }

  async recordLogin(name: string, nowMs: number): Promise<void> {
    await this.store.query("UPDATE hub_auditors SET last_login = $2 WHERE name = $1", [
      name,
      new Date(nowMs).toISOString(),
    ]);
  }
}
