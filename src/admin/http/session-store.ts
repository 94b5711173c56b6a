import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../../devices/types.js";
import type { Db } from "../../store/open-database.js";

export interface Session {
  /** The cookie value. Held only in memory for the request; the database keeps its hash. */
  id: string;
  admin: string;
  csrfToken: string;
  createdMs: number;
  lastSeenMs: number;
}

/** Why a session is no longer live, as the live feed reports it. */
export type SessionEnd = "logged_out" | "expired" | "revoked";

interface Row {
  admin: string;
  created_ms: number;
  last_seen_ms: number;
}

const newToken = () => randomBytes(32).toString("base64url");
export const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
/** Derived from the token rather than stored: a database copy yields neither the cookie nor the CSRF token. */
const csrfFor = (token: string) => createHmac("sha256", token).update("csrf").digest("base64url");

/** Compares two secrets in constant time (a length mismatch is simply false). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Login sessions in SQLite, so the CLI (another process) ends them by removing an admin or
 * changing a password (the row goes with the account, or is deleted with the old password), and
 * a restart keeps them. Sessions end after an idle period and, however busy, after 12 hours.
 */
export class SessionStore {
  static readonly MAX_AGE_MS = 12 * 3_600_000;
  /** last_seen is written at most this often: a read-mostly page should not fsync on every request. */
  static readonly TOUCH_EVERY_MS = 15_000;
  private readonly endListeners = new Set<(hash: string, why: SessionEnd) => void>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly idleMs: number,
  ) {}

  /** A new session for an existing admin; the token is returned once, as the cookie. */
  create(admin: string): Session & { token: string } {
    const now = this.clock.now();
    const token = newToken();
    this.db
      .transaction(() => {
        this.prune(now);
        this.db
          .prepare(
            `INSERT INTO admin_sessions (token_hash, admin_id, created_ms, last_seen_ms)
             SELECT ?, id, ?, ? FROM admin_accounts WHERE name = ?`,
          )
          .run(tokenHash(token), now, now, admin);
      })
      .immediate();
    return { id: token, token, admin, csrfToken: csrfFor(token), createdMs: now, lastSeenMs: now };
  }

  /** The live session for this token, touched; undefined if unknown, revoked or expired. */
  get(token: string | undefined): Session | undefined {
    const found = this.lookup(token);
    if (typeof found === "string") return undefined;
    const now = this.clock.now();
    if (now - found.lastSeenMs >= SessionStore.TOUCH_EVERY_MS) {
      this.db
        .prepare("UPDATE admin_sessions SET last_seen_ms = ? WHERE token_hash = ?")
        .run(now, tokenHash(found.id));
      found.lastSeenMs = now;
    }
    return found;
  }

  /** The session without touching it (the live feed must not keep a session alive), or why it is gone. */
  lookup(token: string | undefined): Session | Exclude<SessionEnd, "logged_out"> {
    if (!token) return "revoked";
    const row = this.db
      .prepare<[string], Row>(
        `SELECT a.name AS admin, s.created_ms, s.last_seen_ms FROM admin_sessions s
         JOIN admin_accounts a ON a.id = s.admin_id WHERE s.token_hash = ?`,
      )
      .get(tokenHash(token));
    if (!row) return "revoked";
    if (this.expired(row, this.clock.now())) {
      this.db.prepare("DELETE FROM admin_sessions WHERE token_hash = ?").run(tokenHash(token));
      return "expired";
    }
    return {
      id: token,
      admin: row.admin,
      csrfToken: csrfFor(token),
      createdMs: row.created_ms,
      lastSeenMs: row.last_seen_ms,
    };
  }

  end(token: string): void {
    this.db.prepare("DELETE FROM admin_sessions WHERE token_hash = ?").run(tokenHash(token));
    for (const listener of this.endListeners) listener(tokenHash(token), "logged_out");
  }

  /** Ends every session of one admin (in this process; the CLI deletes the rows the same way). */
  endAllFor(admin: string): void {
    const ended = this.db
      .prepare<[string], { token_hash: string }>(
        `DELETE FROM admin_sessions WHERE admin_id = (SELECT id FROM admin_accounts WHERE name = ?)
         RETURNING token_hash`,
      )
      .all(admin);
    for (const { token_hash } of ended)
      for (const listener of this.endListeners) listener(token_hash, "revoked");
  }

  /** Told (with the token's hash) when a session ends in this process, so a live feed can close at once. */
  onEnd(listener: (hash: string, why: SessionEnd) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  private expired(row: Row, now: number): boolean {
    return now - row.last_seen_ms > this.idleMs || now - row.created_ms >= SessionStore.MAX_AGE_MS;
  }

  private prune(now: number): void {
    this.db
      .prepare("DELETE FROM admin_sessions WHERE last_seen_ms < ? OR created_ms <= ?")
      .run(now - this.idleMs, now - SessionStore.MAX_AGE_MS);
  }
}
