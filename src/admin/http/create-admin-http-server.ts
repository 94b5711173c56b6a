import type { Clock } from "../../../devices/types.js";
import type { App } from "../../app.js";
import { AdminCodeBook } from "../../audit/admin-code-book.js";
import type { Logger } from "../../logger.js";
import { AdminAccountStore } from "./admin-account-store.js";
import { AdminHttpServer } from "./admin-http-server.js";
import { ConflictAllowance } from "./conflict-allowance.js";
import { LoginRateLimiter } from "./login-rate-limiter.js";
import { LoginThrottle, throttlePolicy } from "./login-throttle.js";
import { SessionStore } from "./session-store.js";

/** The admin web server over a started app's services (call after app.start()). */
export function createAdminHttpServer(app: App, clock: Clock, logger: Logger): AdminHttpServer {
  const { settings } = app;
  const { users, hasher, audit, door, access, db, policy, commands, health, units, site } = app.services;
  return new AdminHttpServer({
    settings,
    clock,
    logger,
    users,
    hasher,
    audit,
    door,
    access,
    units,
    db,
    policy,
    commands,
    health,
    site,
    accounts: new AdminAccountStore(db),
    sessions: new SessionStore(db, clock, settings.web.session_idle_min * 60_000),
    limiter: new LoginRateLimiter(clock, settings.web.login.per_minute),
    throttle: new LoginThrottle(db, hasher, throttlePolicy(settings)),
    conflicts: new ConflictAllowance(db, clock),
    adminCodes: AdminCodeBook.forSettings(db, settings),
  });
}
