import { z } from "zod";
import type { LoginRateLimiter } from "../admin/http/login-rate-limiter.js";
import { DUMMY_HASH, verifyPassword } from "../admin/http/password-hasher.js";
import { HttpError, type Router, validate } from "../admin/http/router.js";
import { clientNetwork } from "./login-throttle-rules.js";

/** Where a page keeps its accounts, throttles and sessions (SQLite on a door, PostgreSQL at the hub). */
export interface LoginBackend {
  find(name: string): Promise<{ name: string; passwordHash: string } | undefined>;
  throttledUntil(name: string, network: string, nowMs: number): Promise<number | null>;
  /** Counts a wrong password; the throttle it started, if it started one. */
  recordFailure(
    name: string,
    network: string,
    nowMs: number,
  ): Promise<{ untilMs: number; failures: number; throttles: number } | null>;
  /** The right password: clears the pair's count and opens a session (the token is the cookie). */
  succeed(name: string, network: string, nowMs: number): Promise<{ token: string; csrfToken: string }>;
  endSession(token: string): Promise<void>;
}

/** What each page records about logins (the door: audit rows; the hub: its log, never its database). */
export interface LoginEvents {
  refused(name: string, known: boolean, address: string, nowMs: number): void;
  failed(name: string, known: boolean, address: string, nowMs: number): void;
  throttled(
    name: string,
    known: boolean,
    address: string,
    started: { untilMs: number; failures: number },
    nowMs: number,
  ): void;
  loggedIn(name: string, nowMs: number): void;
  loggedOut(name: string, nowMs: number): void;
}

export interface LoginRouteDeps {
  backend: LoginBackend;
  events: LoginEvents;
  limiter: LoginRateLimiter;
  now: () => number;
  cookieName: string;
  /** The login form's own words ("enter your admin name"). */
  nameHint: string;
}

/** `Secure; HttpOnly; SameSite=Strict`: never sent over plain HTTP, never readable by scripts, never sent cross-site. */
export function sessionCookieHeader(cookieName: string, value: string, maxAgeS?: number): string {
  return `${cookieName}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict${maxAgeS === undefined ? "" : `; Max-Age=${maxAgeS}`}`;
}

/**
 * Login, logout and the current session, the same for every page. Every attempt past the
 * per-address rate limit runs scrypt exactly once, against the account's hash or a dummy of
 * the same cost, before anything is decided: a known and an unknown name cost the same time.
 * Wrong passwords are counted per (name, address), so a stranger can only throttle their own
 * address.
 */
export function addLoginRoutes(router: Router, deps: LoginRouteDeps): void {
  const { backend, events, limiter, now, cookieName } = deps;
  const loginBody = z.object({
    name: z.string().min(1, deps.nameHint).max(64),
    password: z.string().min(1, "enter your password").max(256),
  });

  router.add(
    "POST",
    "/api/login",
    async ({ body, clientAddress }) => {
      const network = clientNetwork(clientAddress);
      if (!limiter.allow(network)) {
        const wait = limiter.retryAfterS(network);
        throw new HttpError(429, `too many login attempts; try again in ${wait} s`, null, {
          "retry-after": String(wait),
        });
      }
      const { name, password } = validate(loginBody, body);
      const account = await backend.find(name);
      const passwordOk = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
      const t = now();
      const known = account !== undefined;
      const until = await backend.throttledUntil(name, network, t);
      if (until !== null) {
        events.refused(name, known, clientAddress, t);
        const wait = Math.ceil((until - t) / 1000);
        throw new HttpError(
          429,
          `too many wrong passwords for this name from your address; try again in ${Math.ceil(wait / 60)} min`,
          "name",
          { "retry-after": String(wait) },
        );
      }
      if (!passwordOk || !account) {
        const started = await backend.recordFailure(name, network, t);
        events.failed(name, known, clientAddress, t);
        if (started) events.throttled(name, known, clientAddress, started, t);
        throw new HttpError(401, "wrong name or password", "password");
      }
      const session = await backend.succeed(account.name, network, t);
      events.loggedIn(account.name, t);
      return {
        json: { name: account.name, csrf_token: session.csrfToken },
        headers: { "set-cookie": sessionCookieHeader(cookieName, session.token) },
      };
    },
    { auth: "none" },
  );

  router.add("POST", "/api/logout", async ({ session }) => {
    if (session) {
      await backend.endSession(session.id);
      events.loggedOut(session.admin, now());
    }
    return { json: { ok: true }, headers: { "set-cookie": sessionCookieHeader(cookieName, "", 0) } };
  });

  router.add("GET", "/api/session", ({ session }) => ({
    json: { name: session?.admin, csrf_token: session?.csrfToken },
  }));
}
