import { newUserCode } from "../secrets/credential-hasher.js";
import type { Db } from "./open-database.js";
import { normalisePersonName } from "./person-name.js";

export interface User {
  id: number;
  userCode: string;
  name: string;
  enabled: boolean;
  validFromMs: number | null;
  validUntilMs: number | null;
  createdMs: number;
  /** Policy fields (migration 4; schedule ids kept on the row by migration 6's triggers). */
  role: UserRole;
  agreementUntilMs: number | null;
  scheduleIds: number[];
}

export type UserRole = "user" | "override" | "admin";

export type CredentialKind = "pin" | "badge" | "fingerprint" | "duress";

interface UserRow {
  id: number;
  user_code: string;
  name: string;
  enabled: number;
  valid_from_ms: number | null;
  valid_until_ms: number | null;
  created_ms: number;
  role: UserRole;
  agreement_until_ms: number | null;
  schedule_ids: string | null;
}

/** What an attempt needs about a presented credential, all read by one statement. */
export interface CredentialHolder {
  user: User;
  /** The credential was the holder's duress PIN. */
  duress: boolean;
  /**
   * The policy revision (migration 6) read in the same statement as the user, so the policy
   * engine can tell whether its cached snapshot is current without another query.
   */
  policyRevision: number;
  /**
   * Whether the site has any access level, read in the same statement: when it has none the
   * rules need not ask (LevelStore.levelsAtDoor). Absent = unknown, ask.
   */
  levelsInUse?: boolean;
}

/** users.schedule_ids is kept by triggers, so every user read is one row, no subquery. */
const USER_COLUMNS = "u.*";
/** Read with the holder of a credential: a one-row table and an EXISTS, practically free inside the lookup. */
const REVISION_COLUMN =
  "(SELECT n FROM policy_revision WHERE id = 1) AS policy_revision, EXISTS (SELECT 1 FROM access_levels) AS levels_in_use";

const toUser = (r: UserRow): User => ({
  id: r.id,
  userCode: r.user_code,
  name: r.name,
  enabled: r.enabled === 1,
  validFromMs: r.valid_from_ms,
  validUntilMs: r.valid_until_ms,
  createdMs: r.created_ms,
  role: r.role,
  agreementUntilMs: r.agreement_until_ms,
  scheduleIds: r.schedule_ids ? r.schedule_ids.split(",").map(Number) : [],
});

/** A request the store refuses; the message is fit to show an admin as it is. */
export class StoreError extends Error {
  override name = "StoreError";
}

/**
 * People and their credentials. Every read goes to SQLite (no cache), so a change made by the
 * CLI in another process applies to the very next attempt at the door.
 */
export class UserStore {
  private readonly byLookup;
  private readonly byId;
  private readonly byPin;

  constructor(private readonly db: Db) {
    this.byLookup = db.prepare<
      [string, string],
      UserRow & { policy_revision: number; levels_in_use: number }
    >(
      `SELECT ${USER_COLUMNS}, ${REVISION_COLUMN} FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.kind = ? AND c.lookup = ?`,
    );
    this.byId = db.prepare<[number], UserRow>(`SELECT ${USER_COLUMNS} FROM users u WHERE id = ?`);
    // A normal and a duress PIN are found by the same single query, so the two take the same time.
    this.byPin = db.prepare<
      [string],
      UserRow & { kind: CredentialKind; policy_revision: number; levels_in_use: number }
    >(
      `SELECT ${USER_COLUMNS}, c.kind AS kind, ${REVISION_COLUMN} FROM credentials c INDEXED BY credentials_lookup JOIN users u ON u.id = c.user_id
       WHERE c.lookup = ? AND c.kind IN ('pin', 'duress')`,
    );
  }

  add(
    name: string,
    nowMs: number,
    validity: { validFromMs?: number | null; validUntilMs?: number | null } = {},
  ): User {
    let clean: string;
    try {
      clean = normalisePersonName(name);
    } catch (err) {
      throw new StoreError((err as Error).message);
    }
    if (this.find(clean)) throw new StoreError(`user '${clean}' already exists`);
    for (let attempt = 0; ; attempt++) {
      try {
        const info = this.db
          .prepare(
            "INSERT INTO users (user_code, name, enabled, valid_from_ms, valid_until_ms, created_ms) VALUES (?, ?, 1, ?, ?, ?)",
          )
          .run(newUserCode(), clean, validity.validFromMs ?? null, validity.validUntilMs ?? null, nowMs);
        return this.get(Number(info.lastInsertRowid));
      } catch (err) {
        // A user-code collision (1 in ~7e8 per pair) just draws again.
        if (attempt < 5 && String(err).includes("users.user_code")) continue;
        throw err;
      }
    }
  }

  get(id: number): User {
    const row = this.byId.get(id);
    if (!row) throw new StoreError(`no user with id ${id}`);
    return toUser(row);
  }

  /** Finds by name or by user code. */
  find(nameOrCode: string): User | undefined {
    const row = this.db
      .prepare<[string, string], UserRow>(
        `SELECT ${USER_COLUMNS} FROM users u WHERE name = ? OR user_code = ?`,
      )
      .get(nameOrCode.normalize("NFC").trim(), nameOrCode);
    return row ? toUser(row) : undefined;
  }

  /** Like find, but an unknown user is an error with a clear message. */
  require(nameOrCode: string): User {
    const user = this.find(nameOrCode);
    if (!user) throw new StoreError(`no such user: '${nameOrCode}'`);
    return user;
  }

  list(): User[] {
    return this.db
      .prepare<[], UserRow>(`SELECT ${USER_COLUMNS} FROM users u ORDER BY name`)
      .all()
      .map(toUser);
  }

  setEnabled(id: number, enabled: boolean): void {
    this.db.prepare("UPDATE users SET enabled = ? WHERE id = ?").run(enabled ? 1 : 0, id);
  }

  setValidity(id: number, validity: { validFromMs?: number | null; validUntilMs?: number | null }): void {
    const user = this.get(id);
    this.db
      .prepare("UPDATE users SET valid_from_ms = ?, valid_until_ms = ? WHERE id = ?")
      .run(
        validity.validFromMs === undefined ? user.validFromMs : validity.validFromMs,
        validity.validUntilMs === undefined ? user.validUntilMs : validity.validUntilMs,
        id,
      );
  }

  remove(id: number): void {
    this.db.prepare("DELETE FROM users WHERE id = ?").run(id);
  }

  /**
   * Replaces the user's credential of this kind. A PIN or badge already held by someone else is
   * refused without saying by whom (that would leak another person's PIN).
   */
  setCredential(userId: number, kind: CredentialKind, lookup: string, nowMs: number): void {
    this.db
      .transaction(() => {
        // A PIN and a duress PIN share one hash domain: a value may be only one of the two.
        const owner =
          kind === "pin" || kind === "duress" ? this.byPin.get(lookup) : this.byLookup.get(kind, lookup);
        // Someone else's credential, or the user's own PIN reused as their duress PIN (or the reverse).
        const clash = owner && (owner.id !== userId || ("kind" in owner && owner.kind !== kind));
        if (clash)
          throw new StoreError(`this ${kind === "duress" ? "PIN" : kind} is not available; choose another`);
        if (kind !== "fingerprint")
          this.db.prepare("DELETE FROM credentials WHERE user_id = ? AND kind = ?").run(userId, kind);
        this.db
          .prepare(
            "INSERT OR IGNORE INTO credentials (user_id, kind, lookup, created_ms) VALUES (?, ?, ?, ?)",
          )
          .run(userId, kind, lookup, nowMs);
      })
      .immediate();
  }

  removeCredentials(userId: number, kind: CredentialKind): number {
    return this.db.prepare("DELETE FROM credentials WHERE user_id = ? AND kind = ?").run(userId, kind)
      .changes;
  }

  credentialKinds(userId: number): CredentialKind[] {
    return this.db
      .prepare<[number], { kind: CredentialKind }>(
        "SELECT DISTINCT kind FROM credentials WHERE user_id = ? ORDER BY kind",
      )
      .all(userId)
      .map((r) => r.kind);
  }

  /** The holder of a typed PIN, and whether it is their duress PIN: one indexed read either way. */
  findByPin(lookup: string): CredentialHolder | undefined {
    const row = this.byPin.get(lookup);
    return row
      ? {
          user: toUser(row),
          duress: row.kind === "duress",
          policyRevision: row.policy_revision,
          levelsInUse: row.levels_in_use === 1,
        }
      : undefined;
  }

  /** The holder of a PIN (normal or duress), badge or fingerprint slot: one indexed read. */
  findHolder(kind: "pin" | "badge" | "fingerprint", lookup: string): CredentialHolder | undefined {
    if (kind === "pin") return this.findByPin(lookup);
    const row = this.byLookup.get(kind, lookup);
    return row
      ? {
          user: toUser(row),
          duress: false,
          policyRevision: row.policy_revision,
          levelsInUse: row.levels_in_use === 1,
        }
      : undefined;
  }

  /** The user holding this credential, if any: one indexed read. */
  findByCredential(kind: CredentialKind, lookup: string): User | undefined {
    const row = this.byLookup.get(kind, lookup);
    return row ? toUser(row) : undefined;
  }
}
