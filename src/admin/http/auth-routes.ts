import { z } from "zod";
import { clientNetwork } from "./login-throttle.js";
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

/** Who a login row names: the admin, or only "web" when no such admin exists (the typed name is not logged). */
const loginActor = (deps: WebDeps, name: string, known: boolean) =>
  known ? { by: webActor(deps, name) } : { by: "web", unknown_account: true };

/**
 * Login, logout and the current session. Every attempt past the per-address rate limit runs
 * scrypt exactly once, against the account's hash or a dummy of the same cost, before anything
 * is decided: a known and an unknown name cost the same time. Wrong passwords are counted per
 * (name, address) (login-throttle.ts), so a stranger can only throttle their own address.
 */
export function addAuthRoutes(router: Router, deps: WebDeps): void {
  const { accounts, sessions, limiter, throttle, clock, audit } = deps;

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
      const account = accounts.find(name);
      const passwordOk = await verifyPassword(password, account?.passwordHash ?? DUMMY_HASH);
      const now = clock.now();
      const actor = loginActor(deps, name, account !== undefined);
      const address = clientAddress;
      const until = throttle.throttledUntil(name, network, now);
      if (until !== null) {
        audit.append(
          { kind: "system", reason: "admin_login_refused", detail: { ...actor, address, throttled: true } },
          now,
        );
        const wait = Math.ceil((until - now) / 1000);
        throw new HttpError(
          429,
          `too many wrong passwords for this name from your address; try again in ${Math.ceil(wait / 60)} min`,
          "name",
          { "retry-after": String(wait) },
        );
      }
      if (!passwordOk || !account) {
        const started = throttle.recordFailure(name, network, now);
        audit.append({ kind: "system", reason: "admin_login_failed", detail: { ...actor, address } }, now);
        if (started) {
          audit.append(
            {
              kind: "system",
              reason: "admin_login_throttled",
              detail: {
                ...actor,
                address,
                failures: started.failures,
                throttle_s: Math.round((started.untilMs - now) / 1000),
              },
            },
            now,
          );
        }
        throw new HttpError(401, "wrong name or password", "password");
      }
      throttle.recordSuccess(name, network);
      accounts.recordSuccess(account.id, now);
      const session = sessions.create(account.name);
      audit.append(
        { kind: "system", reason: "admin_login", detail: { by: webActor(deps, account.name) } },
        now,
      );
      return {
        json: { name: account.name, csrf_token: session.csrfToken },
        headers: { "set-cookie": sessionCookie(session.token) },
      };
    },
    { auth: "none" },
  );

  router.add("POST", "/api/logout", ({ session }) => {
    if (session) {
      sessions.end(session.id);
      audit.append(
        { kind: "system", reason: "admin_logout", detail: { by: webActor(deps, session.admin) } },
        clock.now(),
      );
    }
    return { json: { ok: true }, headers: { "set-cookie": sessionCookie("", 0) } };
  });

  router.add("GET", "/api/session", ({ session }) => ({
    json: { name: session?.admin, csrf_token: session?.csrfToken },
  }));
}
