import { fileURLToPath } from "node:url";
import { LoginRateLimiter } from "../../admin/http/login-rate-limiter.js";
import { Router } from "../../admin/http/router.js";
import type { TlsMaterial } from "../../admin/http/tls-certificate.js";
import type { HubSettings } from "../../config/hub-schema.js";
import type { Logger } from "../../logger.js";
import { HttpsPageServer } from "../../web/https-page-server.js";
import { addLoginRoutes } from "../../web/login-routes.js";
import { throttlePolicyOf } from "../../web/login-throttle-rules.js";
import type { HubStore } from "../store/hub-store.js";
import { AuditorAccounts } from "./auditor-accounts.js";
import { migrateAuditorTables } from "./auditor-schema.js";
import { AuditorSessions } from "./auditor-sessions.js";
import { AuditorThrottle, loadOrCreateNameKey } from "./auditor-throttle.js";
import { addHubPageRoutes } from "./hub-page-routes.js";

const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));
/** The door's admin page's styles and request helpers, served as they are (one copy in the tree). */
const DOOR_PAGE_ASSETS = {
  dir: fileURLToPath(new URL("../../admin/http/public/", import.meta.url)),
  files: ["app.css", "page-common.js"],
};
/** Not the door's dw_session: a door's page and a hub on one machine share cookies (cookies ignore ports). */
export const HUB_SESSION_COOKIE = "dw_hub_session";

export interface HubPageDeps {
  settings: HubSettings;
  /** The hub's own store: PGlite is one process's database, so the page runs inside the hub. */
  store: HubStore;
  now: () => number;
  logger: Logger;
  /** The key the login throttle hashes typed names with (default: <data_dir>/auditor-login.key). */
  nameKey?: Buffer;
}

/**
 * The auditors' read-only page on the hub, over HTTPS with the door's admin page's rules
 * (src/web/): its own accounts in the hub's database, sessions held as hashes (idle timeout,
 * 12 h at most, ended with the account or its password), a login throttle per name and
 * address with equal cost for unknown names, CSRF on every state change, a strict CSP.
 */
export class HubHttpServer {
  private readonly router = new Router();
  private readonly page: HttpsPageServer;
  readonly accounts: AuditorAccounts;
  readonly sessions: AuditorSessions;

  constructor(private readonly deps: HubPageDeps) {
    const { store, now, settings } = deps;
    const http = settings.http;
    const log = deps.logger.child({ module: "hub-page" });
    this.accounts = new AuditorAccounts(store);
    this.sessions = new AuditorSessions(store, now, http.session_idle_min * 60_000);
    const throttle = new AuditorThrottle(
      store,
      deps.nameKey ?? loadOrCreateNameKey(settings.data_dir),
      throttlePolicyOf(http.login),
    );
    // Only a known account's name is logged; a typed unknown name may be a mistyped password.
    const who = (name: string, known: boolean) => (known ? { auditor: name } : { unknown_account: true });
    addLoginRoutes(this.router, {
      limiter: new LoginRateLimiter({ now }, http.login.per_minute),
      now,
      cookieName: HUB_SESSION_COOKIE,
      nameHint: "enter your auditor name",
      backend: {
        find: (name) => this.accounts.find(name),
        throttledUntil: (name, network, t) => throttle.throttledUntil(name, network, t),
        recordFailure: (name, network, t) => throttle.recordFailure(name, network, t),
        succeed: async (name, network, t) => {
          await throttle.recordSuccess(name, network);
          await this.accounts.recordLogin(name, t);
          return this.sessions.create(name);
        },
        endSession: (token) => this.sessions.end(token),
      },
      events: {
        refused: (name, known, address) =>
          log.warn({ ...who(name, known), address }, "auditor login refused: throttled"),
        failed: (name, known, address) => log.warn({ ...who(name, known), address }, "auditor login failed"),
        throttled: (name, known, address, started, t) =>
          log.warn(
            { ...who(name, known), address, throttle_s: Math.round((started.untilMs - t) / 1000) },
            "auditor login throttled",
          ),
        loggedIn: (name) => log.info({ auditor: name }, "auditor logged in"),
        loggedOut: (name) => log.info({ auditor: name }, "auditor logged out"),
      },
    });
    addHubPageRoutes(this.router, { store, accounts: this.accounts, now, dataDir: settings.data_dir });
    this.page = new HttpsPageServer({
      title: "audit hub page",
      settingsPath: "hub.http",
      logName: "hub",
      listen: http,
      dataDir: settings.data_dir,
      publicDir: PUBLIC_DIR,
      sharedAssets: DOOR_PAGE_ASSETS,
      router: this.router,
      cookieName: HUB_SESSION_COOKIE,
      session: (token) => this.sessions.get(token),
      logger: log,
    });
  }

  get tls(): TlsMaterial | null {
    return this.page.tls;
  }

  get port(): number {
    return this.page.port;
  }

  routes(): string[] {
    return this.router.list();
  }

  /** Creates the auditor tables if missing, then listens. */
  async start(): Promise<{ url: string; fingerprint256: string; generated: boolean }> {
    await migrateAuditorTables(this.deps.store);
    return this.page.start();
  }

  stop(): Promise<void> {
    return this.page.stop();
  }
}
