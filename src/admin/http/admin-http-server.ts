import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Server as NetServer } from "node:net";
import { fileURLToPath } from "node:url";
import { StoreError } from "../../store/user-store.js";
import { addAuthRoutes, SESSION_COOKIE } from "./auth-routes.js";
import { addDoorRoutes } from "./door-routes.js";
import { addLogRoutes, EventStreams } from "./log-routes.js";
import { addOccupancyRoutes } from "./occupancy-routes.js";
import { addPeopleRoutes } from "./people-routes.js";
import { addReaderRoutes } from "./reader-routes.js";
import { HttpError, type RequestContext, Router } from "./router.js";
import { sameSecret } from "./session-store.js";
import { addSetupRoutes } from "./setup-routes.js";
import { StaticAssets } from "./static-assets.js";
import { loadOrCreateCertificate, type TlsMaterial } from "./tls-certificate.js";
import {
  ADMIN_TLS_CIPHERS,
  allowedHostnames,
  hostnameOf,
  listenBesidePlainHttp,
  sameOrigin,
} from "./transport-guard.js";
import type { WebDeps } from "./web-deps.js";

const MAX_BODY_BYTES = 16 * 1024;
const PUBLIC_DIR = fileURLToPath(new URL("./public/", import.meta.url));

/** Sent with every answer: no framing, no sniffing, no referrer, scripts only from the Pi itself. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "strict-transport-security": "max-age=31536000",
};

function cookie(req: IncomingMessage, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const length = Number(req.headers["content-length"] ?? 0);
  if (length > MAX_BODY_BYTES) throw new HttpError(413, `the body is limited to ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is limited to ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return {};
  if (!/^application\/json\b/i.test(String(req.headers["content-type"] ?? ""))) {
    throw new HttpError(415, "send JSON with content-type application/json");
  }
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch {
    throw new HttpError(400, "the body is not valid JSON");
  }
}

/**
 * The admin page and its JSON API over HTTPS. Sessions by cookie (HttpOnly, Secure,
 * SameSite=Strict); every state-changing request must also carry the session's CSRF token in
 * `X-CSRF-Token`. Handlers only call the same services the CLI uses.
 */
export class AdminHttpServer {
  private server: Server | null = null;
  private listener: NetServer | null = null;
  private allowedHosts: Set<string>;
  private readonly router = new Router();
  private readonly streams = new EventStreams();
  private readonly assets = new StaticAssets(PUBLIC_DIR);
  private readonly log;
  tls: TlsMaterial | null = null;

  constructor(private readonly deps: WebDeps) {
    this.log = deps.logger.child({ module: "web" });
    this.allowedHosts = allowedHostnames(deps.settings.web);
    addAuthRoutes(this.router, deps);
    addDoorRoutes(this.router, deps);
    addPeopleRoutes(this.router, deps);
    addLogRoutes(this.router, deps, this.streams);
    addSetupRoutes(this.router, deps);
    addOccupancyRoutes(this.router, deps);
    addReaderRoutes(this.router, deps);
  }

  /** Listens; resolves with the URL and the certificate's SHA-256 fingerprint. */
  async start(): Promise<{ url: string; fingerprint256: string; generated: boolean }> {
    const web = this.deps.settings.web;
    this.tls = await loadOrCreateCertificate({
      certFile: web.cert_file,
      keyFile: web.key_file,
      dataDir: this.deps.settings.data_dir,
    });
    const server = createServer(
      {
        cert: this.tls.cert,
        key: this.tls.key,
        minVersion: "TLSv1.2",
        ciphers: ADMIN_TLS_CIPHERS,
        honorCipherOrder: true,
      },
      (req, res) => {
        void this.handle(req, res);
      },
    );
    this.server = server;
    // The HTTPS server does not listen itself: the listener hands it TLS connections and
    // answers plain HTTP on the same port with a hint.
    this.listener = await listenBesidePlainHttp(server, web.port, web.bind, (host) => {
      const known = host && this.allowedHosts.has(hostnameOf(host)) ? host : null;
      return `This is the doorward admin page over HTTPS: open ${known ? `https://${known}/` : `https://<this device>:${this.port}/`}`;
    });
    const { port } = this.listener.address() as AddressInfo;
    const host = web.bind.includes(":") ? `[${web.bind}]` : web.bind;
    const url = `https://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}/`;
    this.log.info(
      { url, fingerprint256: this.tls.fingerprint256, generated: this.tls.generated },
      "admin web server listening",
    );
    return { url, fingerprint256: this.tls.fingerprint256, generated: this.tls.generated };
  }

  get port(): number {
    return (this.listener?.address() as AddressInfo | null)?.port ?? 0;
  }

  routes(): string[] {
    return this.router.list();
  }

  /** Bytes of the page's first load (for the figures). */
  pageWeightBytes(): number {
    return this.assets.transferBytes();
  }

  async stop(): Promise<void> {
    const server = this.server;
    const listener = this.listener;
    this.server = null;
    this.listener = null;
    if (!server) return;
    this.streams.closeAll();
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** An address DHCP gave the Pi after start is learnt on first use (the interfaces are read again). */
  private hostAllowed(name: string): boolean {
    if (this.allowedHosts.has(name)) return true;
    this.allowedHosts = allowedHostnames(this.deps.settings.web);
    return this.allowedHosts.has(name);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? "/", "https://localhost");
    try {
      // DNS rebinding: a page from another site that resolved its own name to this device
      // sends that name as Host. Only this device's own names are answered.
      const host = req.headers.host;
      if (!host || !this.hostAllowed(hostnameOf(host)))
        throw new HttpError(
          421,
          "this admin page answers only under the device's own names and addresses; add the name to web.hostnames",
          "host",
        );
      if (!url.pathname.startsWith("/api/")) {
        if (!this.assets.serve(req, res, url.pathname)) throw new HttpError(404, "not found");
        return;
      }
      res.setHeader("cache-control", "no-store");
      const match = this.router.match(req.method ?? "GET", url.pathname);
      if (match === null) throw new HttpError(404, "no such API path");
      if (match === "method_not_allowed")
        throw new HttpError(405, `${req.method} is not allowed here`, null, {
          allow: this.router.methodsFor(url.pathname).join(", "),
        });
      const changes = req.method !== "GET" && req.method !== "HEAD";
      const session = this.deps.sessions.get(cookie(req, SESSION_COOKIE)) ?? null;
      if (match.route.options.auth === "session") {
        if (!session) throw new HttpError(401, "log in first");
        if (changes) {
          const sent = req.headers["x-csrf-token"];
          if (typeof sent !== "string" || !sameSecret(sent, session.csrfToken)) {
            throw new HttpError(403, "missing or wrong CSRF token; reload the page", "x-csrf-token");
          }
        }
      }
      // Defence in depth beside SameSite: a browser's cross-site request names its origin.
      const origin = req.headers.origin;
      if (changes && origin && !sameOrigin(origin, req.headers.host))
        throw new HttpError(403, "cross-origin request refused", "origin");
      const ctx: RequestContext = {
        req,
        res,
        params: match.params,
        query: url.searchParams,
        session,
        body: changes ? await readJsonBody(req) : undefined,
        clientAddress: req.socket.remoteAddress ?? "unknown",
      };
      const reply = await match.route.handler(ctx);
      if (!reply) return;
      res.writeHead(reply.status ?? 200, {
        "content-type": "application/json; charset=utf-8",
        ...reply.headers,
      });
      res.end(JSON.stringify(reply.json ?? null));
    } catch (err) {
      this.fail(res, err);
    }
  }

  private fail(res: ServerResponse, err: unknown): void {
    let status = 500;
    let body: { error: string; field: string | null } = {
      error: "internal error; see the controller log",
      field: null,
    };
    if (err instanceof HttpError) {
      status = err.status;
      body = { error: err.message, field: err.field };
      for (const [k, v] of Object.entries(err.headers)) if (!res.headersSent) res.setHeader(k, v);
    } else if (err instanceof StoreError) {
      status = 400;
      body = { error: err.message, field: null };
    } else {
      this.log.error({ err }, "request failed");
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }
}
