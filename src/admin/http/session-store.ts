import type { Clock } from "../../../devices/types.js";
import type { Db } from "../../store/open-database.js";
import {
  liveSession,
  newSessionToken,
  SESSION_MAX_AGE_MS,
  SESSION_TOUCH_EVERY_MS,
  type Session,
  sessionExpired,
  tokenHash,
} from "../../web/session-tokens.js";

export { type Session, sameSecret, tokenHash } from "../../web/session-tokens.js";

/** Why a session is no longer live, as the live feed reports it. */
export type SessionEnd = "logged_out" | "expired" | "revoked";

interface Row {
  admin: string;
  created_ms: number;
  last_seen_ms: number;
}

/**
 * Login sessions in SQLite, so the CLI (another process) ends them by removing an admin or
 * changing a password (the row goes with the account, or is deleted with the old password), and
 * a restart keeps them. Sessions end after an idle period and, however busy, after 12 hours.
 */
export class SessionStore {
  static readonly MAX_AGE_MS = SESSION_MAX_AGE_MS;
  static readonly TOUCH_EVERY_MS = SESSION_TOUCH_EVERY_MS;
  private readonly endListeners = new Set<(hash: string, why: SessionEnd) => void>();

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly idleMs: number,
  ) {}

  /** A new session for an existing admin; the token is returned once, as the cookie. */
  create(admin: string): Session & { token: string } {
    const now = this.clock.now();
    const token = newSessionToken();
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
    return { ...liveSession(token, admin, { createdMs: now, lastSeenMs: now }), token };
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
    const times = { createdMs: row.created_ms, lastSeenMs: row.last_seen_ms };
    if (sessionExpired(times, this.clock.now(), this.idleMs)) {
      this.db.prepare("DELETE FROM admin_sessions WHERE token_hash = ?").run(tokenHash(token));
      return "expired";
    }
    return liveSession(token, row.admin, times);
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

  private prune(now: number): void {
    this.db
      .prepare("DELETE FROM admin_sessions WHERE last_seen_ms < ? OR created_ms <= ?")
      .run(now - this.idleMs, now - SessionStore.MAX_AGE_MS);
  }
}
