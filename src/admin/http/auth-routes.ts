import { addLoginRoutes } from "../../web/login-routes.js";
import type { Router } from "./router.js";
import { type WebDeps, webActor } from "./web-deps.js";

export const SESSION_COOKIE = "dw_session";

/** Who a login row names: the admin, or only "web" when no such admin exists (the typed name is not logged). */
const loginActor = (deps: WebDeps, name: string, known: boolean) =>
  known ? { by: webActor(deps, name) } : { by: "web", unknown_account: true };

/**
 * Login, logout and the current session (src/web/login-routes.ts: equal cost for unknown names,
 * per name-and-address throttle), over the door's SQLite accounts, every attempt an audit row.
 */
export function addAuthRoutes(router: Router, deps: WebDeps): void {
  const { accounts, sessions, limiter, throttle, clock, audit } = deps;
  const note = (reason: string, detail: Record<string, unknown>, nowMs: number) =>
    audit.append({ kind: "system", reason, detail }, nowMs);
  addLoginRoutes(router, {
    limiter,
    now: () => clock.now(),
    cookieName: SESSION_COOKIE,
    nameHint: "enter your admin name",
    backend: {
      find: async (name) => accounts.find(name),
      throttledUntil: async (name, network, nowMs) => throttle.throttledUntil(name, network, nowMs),
      recordFailure: async (name, network, nowMs) => throttle.recordFailure(name, network, nowMs),
      succeed: async (name, network, nowMs) => {
        throttle.recordSuccess(name, network);
        const account = accounts.find(name);
        if (account) accounts.recordSuccess(account.id, nowMs);
        return sessions.create(name);
      },
      endSession: async (token) => sessions.end(token),
    },
    events: {
      refused: (name, known, address, nowMs) =>
        note("admin_login_refused", { ...loginActor(deps, name, known), address, throttled: true }, nowMs),
      failed: (name, known, address, nowMs) =>
        note("admin_login_failed", { ...loginActor(deps, name, known), address }, nowMs),
      throttled: (name, known, address, started, nowMs) =>
        note(
          "admin_login_throttled",
          {
            ...loginActor(deps, name, known),
            address,
            failures: started.failures,
            throttle_s: Math.round((started.untilMs - nowMs) / 1000),
          },
          nowMs,
        ),
      loggedIn: (name, nowMs) => note("admin_login", { by: webActor(deps, name) }, nowMs),
      loggedOut: (name, nowMs) => note("admin_logout", { by: webActor(deps, name) }, nowMs),
    },
  });
}
