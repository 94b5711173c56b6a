import { createHash, createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/**
 * The session rules shared by the door's admin page and the hub's auditor page: a random
 * token is the cookie, the database keeps only its hash, the CSRF token is derived from the
 * token (so a database copy yields neither), and a session ends after an idle period and,
 * however busy, after 12 hours.
 */
export interface Session {
  /** The cookie value. Held only in memory for the request; the database keeps its hash. */
  id: string;
  /** The logged-in account's name (a web admin on a door, an auditor at the hub). */
  admin: string;
  csrfToken: string;
  createdMs: number;
  lastSeenMs: number;
}

export const SESSION_MAX_AGE_MS = 12 * 3_600_000;
/** last_seen is written at most this often: a read-mostly page should not write on every request. */
export const SESSION_TOUCH_EVERY_MS = 15_000;

export const newSessionToken = () => randomBytes(32).toString("base64url");
export const tokenHash = (token: string) => createHash("sha256").update(token).digest("hex");
/** Derived from the token rather than stored: a database copy yields neither the cookie nor the CSRF token. */
export const csrfFor = (token: string) => createHmac("sha256", token).update("csrf").digest("base64url");

/** Compares two secrets in constant time (a length mismatch is simply false). */
export function sameSecret(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Idle for longer than idleMs, or older than 12 hours. */
export function sessionExpired(
  s: { createdMs: number; lastSeenMs: number },
  nowMs: number,
  idleMs: number,
): boolean {
  return nowMs - s.lastSeenMs > idleMs || nowMs - s.createdMs >= SESSION_MAX_AGE_MS;
}

/** The session object a request sees, for a token whose row was found and is live. */
export function liveSession(
  token: string,
  admin: string,
  times: { createdMs: number; lastSeenMs: number },
): Session {
  return { id: token, admin, csrfToken: csrfFor(token), ...times };
}
