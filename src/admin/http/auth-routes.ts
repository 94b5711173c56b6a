import { z } from "zod";
import { DUMMY_HASH, verifyPassword } from "./password-hasher.js";
import { HttpError, type Router, validate } from "./router.js";
import { type WebDeps, webActor } from "./web-deps.js";

export const SESSION_COOKIE = "dw_session";

const loginBody = z.object({
  name: z.string().min(1, "enter your admin name").max(64),
  password: z.string().min(1, "enter your password").max(256),
});

/** `Secure; HttpOnly; SameSite=Strict`: never sent over plain HTTP, never readable by scripts, never sent cross-site. */
export function sessionCookie(value: string, maxAgeS?: number): string {
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; Secure; SameSite=Strict${maxAgeS === undefined ? "" : `; Max-Age=${maxAgeS}`}`;
}

/**
 * Login, logout and the current session. A wrong name costs the same scrypt work as a wrong
 * password; wrong passwords are counted per account (lock) and per address (rate limit).
 */
export function addAuthRoutes(router: Router, deps: WebDeps): void {
  const { accounts, sessions, limiter, clock, audit, settings } = deps;
  const policy = settings.web.login;

  router.add(
    "POST",
    "/api/login",
    async ({ body, clientAddress }) => {
      if (!limiter.allow(clientAddress)) {
        const wait = limiter.retryAfterS(clientAddress);
        throw new HttpError(429, `too many login attempts; try again in ${wait} s`, null, {
          "retry-after": String(wait),
        });
      }
      const { name, password } = validate(loginBody, body);
      const account = accounts.find(name);
      const now = clock.now();
      if (account?.lockedUntilMs && now < account.lockedUntilMs) {
        const minutes = Math.ceil((account.lockedUntilMs - now) / 60_000);
        audit.append(
          { kind: "system", reason: "admin_login_refused", detail: { by: webActor(name), locked: true } },
          now,
        );
        throw new HttpError(
          423,
          `this account is locked after repeated wrong passwords; try again in ${minutes} min`,
          "name",
        );
      }
      const ok =
        (await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH)) && account !== undefined;
      if (!ok || !account) {
        if (account) {
          const lockedUntil = accounts.recordFailure(
            account.id,
            clock.now(),
            policy.max_failures,
            policy.lockout_s * 1000,
          );
          audit.append(
            { kind: "system", reason: "admin_login_failed", detail: { by: webActor(name) } },
            clock.now(),
          );
          if (lockedUntil !== null) {
            audit.append(
              {
                kind: "system",
                reason: "admin_locked_out",
                detail: { by: webActor(name), lockout_s: policy.lockout_s },
              },
              clock.now(),
            );
          }
        } else {
          // The typed name is not logged: people type passwords into name fields.
          audit.append(
            { kind: "system", reason: "admin_login_failed", detail: { by: "web", unknown_account: true } },
            clock.now(),
          );
        }
        throw new HttpError(401, "wrong name or password", "password");
      }
      accounts.recordSuccess(account.id, clock.now());
      const session = sessions.create(account.name);
      audit.append(
        { kind: "system", reason: "admin_login", detail: { by: webActor(account.name) } },
        clock.now(),
      );
      return {
        json: { name: account.name, csrf_token: session.csrfToken },
        headers: { "set-cookie": sessionCookie(session.id) },
      };
    },
    { auth: "none" },
  );

  router.add("POST", "/api/logout", ({ session }) => {
    if (session) {
      sessions.end(session.id);
      audit.append(
        { kind: "system", reason: "admin_logout", detail: { by: webActor(session.admin) } },
        clock.now(),
      );
    }
    return { json: { ok: true }, headers: { "set-cookie": sessionCookie("", 0) } };
  });

  router.add("GET", "/api/session", ({ session }) => ({
    json: { name: session?.admin, csrf_token: session?.csrfToken },
  }));
}
