import { randomBytes, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../../devices/types.js";

export interface Session {
  id: string;
  admin: string;
  csrfToken: string;
  createdMs: number;
  lastSeenMs: number;
}

const token = () => randomBytes(32).toString("base64url");

/** Compares two secrets in constant time (a length mismatch is simply false). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/**
 * Login sessions, in memory: a restart logs everyone out, which is the safe direction. Each
 * session carries its own CSRF token. Sessions end after an idle period and after 12 hours.
 */
export class SessionStore {
  private readonly sessions = new Map<string, Session>();
  static readonly MAX_AGE_MS = 12 * 3_600_000;

  constructor(
    private readonly clock: Clock,
    private readonly idleMs: number,
  ) {}

  create(admin: string): Session {
    const now = this.clock.now();
    this.prune(now);
    const session: Session = { id: token(), admin, csrfToken: token(), createdMs: now, lastSeenMs: now };
    this.sessions.set(session.id, session);
    return session;
  }

  /** The live session for this id, touched; undefined if unknown or expired. */
  get(id: string | undefined): Session | undefined {
    if (!id) return undefined;
    const session = this.sessions.get(id);
    if (!session) return undefined;
    const now = this.clock.now();
    if (now - session.lastSeenMs > this.idleMs || now - session.createdMs > SessionStore.MAX_AGE_MS) {
      this.sessions.delete(id);
      return undefined;
    }
    session.lastSeenMs = now;
    return session;
  }

  end(id: string): void {
    this.sessions.delete(id);
  }

  /** Ends every session of one admin (account removed or password changed). */
  endAllFor(admin: string): void {
    for (const [id, s] of this.sessions) if (s.admin === admin) this.sessions.delete(id);
  }

  private prune(now: number): void {
    for (const [id, s] of this.sessions) {
      if (now - s.lastSeenMs > this.idleMs || now - s.createdMs > SessionStore.MAX_AGE_MS)
        this.sessions.delete(id);
    }
  }
}
