import {
  liveSession,
  newSessionToken,
  SESSION_MAX_AGE_MS,
  SESSION_TOUCH_EVERY_MS,
  type Session,
  sessionExpired,
  tokenHash,
} from "../../web/session-tokens.js";
import type { HubStore } from "../store/hub-store.js";

/**
 * Auditor sessions in the hub's database, under the door's session rules (src/web/session-tokens.ts):
 * only the token's hash is stored, idle timeout and 12 hours at most, and the row goes with
 * the account (removed, or its password changed by `doorward hub auditor`).
 */
export class AuditorSessions {
  constructor(
    private readonly store: HubStore,
    private readonly now: () => number,
    private readonly idleMs: number,
  ) {}

  async create(name: string): Promise<Session & { token: string }> {
    const now = this.now();
    const token = newSessionToken();
    await this.store.transaction(async (tx) => {
      await tx.query("DELETE FROM hub_auditor_sessions WHERE last_seen_ms < $1 OR created_ms <= $2", [
        now - this.idleMs,
        now - SESSION_MAX_AGE_MS,
      ]);
      await tx.query(
        `INSERT INTO hub_auditor_sessions (token_hash, auditor_id, created_ms, last_seen_ms)
         SELECT $1, id, $2, $2 FROM hub_auditors WHERE name = $3`,
        [tokenHash(token), now, name],
      );
    });
    return { ...liveSession(token, name, { createdMs: now, lastSeenMs: now }), token };
  }

  /** The live session for this cookie value, touched; null if unknown, ended or expired. */
  async get(token: string | undefined): Promise<Session | null> {
    if (!token) return null;
    const hash = tokenHash(token);
    const [row] = await this.store.query<{ name: string; created_ms: number; last_seen_ms: number }>(
      `SELECT a.name, s.created_ms, s.last_seen_ms FROM hub_auditor_sessions s
       JOIN hub_auditors a ON a.id = s.auditor_id WHERE s.token_hash = $1`,
      [hash],
    );
    if (!row) return null;
    const now = this.now();
    const times = { createdMs: row.created_ms, lastSeenMs: row.last_seen_ms };
    if (sessionExpired(times, now, this.idleMs)) {
      await this.end(token);
      return null;
    }
    if (now - times.lastSeenMs >= SESSION_TOUCH_EVERY_MS) {
      await this.store.query("UPDATE hub_auditor_sessions SET last_seen_ms = $2 WHERE token_hash = $1", [
        hash,
        now,
      ]);
      times.lastSeenMs = now;
    }
    return liveSession(token, row.name, times);
  }

  async end(token: string): Promise<void> {
    await this.store.query("DELETE FROM hub_auditor_sessions WHERE token_hash = $1", [tokenHash(token)]);
  }
}
