import { fileURLToPath } from "node:url";
import { StoreError } from "../../store/user-store.js";
import { HttpsPageServer } from "../../web/https-page-server.js";
import { addAuthRoutes, SESSION_COOKIE } from "./auth-routes.js";
import { addDoorRoutes } from "./door-routes.js";
import { addLogRoutes, EventStreams } from "./log-routes.js";
import { addOccupancyRoutes } from "./occupancy-routes.js";
import { addPeopleRoutes } from "./people-routes.js";
import { addReaderRoutes } from "./reader-routes.js";
import { Router } from "./router.js";
import { addSetupRoutes } from "./setup-routes.js";
import type { TlsMaterial } from "./tls-certificate.js";
import type { WebDeps } from "./web-deps.js";

const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));

/**
 * The admin page and its JSON API over HTTPS (src/web/https-page-server.ts: headers, host
 * check, sessions by cookie, CSRF on every state-changing request). Handlers only call the
 * same services the CLI uses.
 */
export class AdminHttpServer {
  private readonly router = new Router();
  private readonly streams = new EventStreams();
  private readonly page: HttpsPageServer;

  constructor(private readonly deps: WebDeps) {
    addAuthRoutes(this.router, deps);
    addDoorRoutes(this.router, deps);
    addPeopleRoutes(this.router, deps);
    addLogRoutes(this.router, deps, this.streams);
    addSetupRoutes(this.router, deps);
    addOccupancyRoutes(this.router, deps);
    addReaderRoutes(this.router, deps);
    this.page = new HttpsPageServer({
      title: "admin page",
      settingsPath: "web",
      logName: "controller",
      listen: deps.settings.web,
      dataDir: deps.settings.data_dir,
      publicDir: PUBLIC_DIR,
      router: this.router,
      cookieName: SESSION_COOKIE,
      session: (token) => this.deps.sessions.get(token) ?? null,
      logger: deps.logger.child({ module: "web" }),
      clientError: (err) => (err instanceof StoreError ? err.message : null),
    });
  }

  get tls(): TlsMaterial | null {
    return this.page.tls;
  }

  /** Listens; resolves with the URL and the certificate's SHA-256 fingerprint. */
  start(): Promise<{ url: string; fingerprint256: string; generated: boolean }> {
    return this.page.start();
  }

  get port(): number {
    return this.page.port;
  }

  routes(): string[] {
    return this.router.list();
  }

  /** Bytes of the page's first load (for the figures). */
  pageWeightBytes(): number {
    return this.page.pageWeightBytes();
  }

  async stop(): Promise<void> {
    this.streams.closeAll();
    await this.page.stop();
  }
}
