import type { IncomingMessage, ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import type { AddressInfo, Server as NetServer } from "node:net";
import { HttpError, type RequestContext, type Router } from "../admin/http/router.js";
import { StaticAssets } from "../admin/http/static-assets.js";
import { loadOrCreateCertificate, type TlsMaterial } from "../admin/http/tls-certificate.js";
import {
  ADMIN_TLS_CIPHERS,
  allowedHostnames,
  hostnameOf,
  listenBesidePlainHttp,
  sameOrigin,
} from "../admin/http/transport-guard.js";
import type { Logger } from "../logger.js";
import { type Session, sameSecret } from "./session-tokens.js";

const MAX_BODY_BYTES = 16 * 1024;

/** Sent with every answer: no framing, no sniffing, no referrer, scripts only from the server itself. */
const SECURITY_HEADERS: Record<string, string> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  "x-content-type-options": "nosniff",
  "x-frame-options": "DENY",
  "referrer-policy": "no-referrer",
  "cross-origin-opener-policy": "same-origin",
  "strict-transport-security": "max-age=31536000",
};

/** Where a page listens and which certificate it presents (`web` on a door, `hub.http` at the hub). */
export interface PageListenSettings {
  bind: string;
  port: number;
  hostnames: string[];
  cert_file: string | null;
  key_file: string | null;
}

export interface HttpsPageServerOptions {
  /** "admin page", "audit hub page": in the plain-HTTP hint and the wrong-host answer. */
  title: string;
  /** The settings section holding `hostnames` ("web", "hub.http"), named in the wrong-host answer. */
  settingsPath: string;
  /** Whose log an internal error points to ("controller", "hub"). */
  logName: string;
  listen: PageListenSettings;
  /** Where a generated self-signed certificate is kept. */
  dataDir: string;
  publicDir: string;
  /** Files served from another page's folder as well (shared styles and helpers, not copies). */
  sharedAssets?: { dir: string; files: string[] };
  router: Router;
  cookieName: string;
  /** The live session for a cookie value (touched), or null. */
  session(token: string | undefined): Promise<Session | null> | Session | null;
  logger: Logger;
  /** A page's own errors that are the client's fault (the door's StoreError): a 400 with this message. */
  clientError?(err: unknown): string | null;
}

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
 * A page and its JSON API over HTTPS, the same for the door's admin page and the hub's auditor
 * page: strict security headers on every answer, only the server's own host names answered
 * (DNS rebinding), sessions by cookie (HttpOnly, Secure, SameSite=Strict), every
 * state-changing request also carrying the session's CSRF token in `X-CSRF-Token` and no
 * foreign Origin, TLS 1.2+ with forward-secret AEAD suites, plain HTTP on the same port
 * answered with a hint.
 */
export class HttpsPageServer {
  private server: Server | null = null;
  private listener: NetServer | null = null;
  private allowedHosts: Set<string>;
  private readonly assets: StaticAssets;
  tls: TlsMaterial | null = null;

  constructor(private readonly opts: HttpsPageServerOptions) {
    this.allowedHosts = allowedHostnames(opts.listen);
    this.assets = new StaticAssets(opts.publicDir, opts.sharedAssets ?? null);
  }

  /** Listens; resolves with the URL and the certificate's SHA-256 fingerprint. */
  async start(): Promise<{ url: string; fingerprint256: string; generated: boolean }> {
    const listen = this.opts.listen;
    this.tls = await loadOrCreateCertificate({
      certFile: listen.cert_file,
      keyFile: listen.key_file,
      dataDir: this.opts.dataDir,
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
    this.listener = await listenBesidePlainHttp(server, listen.port, listen.bind, (host) => {
      const known = host && this.allowedHosts.has(hostnameOf(host)) ? host : null;
      return `This is the doorward ${this.opts.title} over HTTPS: open ${known ? `https://${known}/` : `https://<this device>:${this.port}/`}`;
    });
    const { port } = this.listener.address() as AddressInfo;
    const host = listen.bind.includes(":") ? `[${listen.bind}]` : listen.bind;
    const url = `https://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}/`;
    this.opts.logger.info(
      { url, fingerprint256: this.tls.fingerprint256, generated: this.tls.generated },
      `${this.opts.title} listening over HTTPS`,
    );
    return { url, fingerprint256: this.tls.fingerprint256, generated: this.tls.generated };
  }

  get port(): number {
    return (this.listener?.address() as AddressInfo | null)?.port ?? 0;
  }

  /** Bytes of the page's first load (for the figures). */
  pageWeightBytes(): number {
    return this.assets.transferBytes();
  }

  /** Closes the listener and every open connection (call a page's own stream closing first). */
  async stop(): Promise<void> {
    const server = this.server;
    const listener = this.listener;
    this.server = null;
    this.listener = null;
    if (!server) return;
    await new Promise<void>((resolve) => (listener ? listener.close(() => resolve()) : resolve()));
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  /** An address DHCP gave the machine after start is learnt on first use (the interfaces are read again). */
  private hostAllowed(name: string): boolean {
    if (this.allowedHosts.has(name)) return true;
    this.allowedHosts = allowedHostnames(this.opts.listen);
    return this.allowedHosts.has(name);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    for (const [k, v] of Object.entries(SECURITY_HEADERS)) res.setHeader(k, v);
    const url = new URL(req.url ?? "/", "https://localhost");
    try {
      // DNS rebinding: a page from another site that resolved its own name to this machine
      // sends that name as Host. Only this machine's own names are answered.
      const host = req.headers.host;
      if (!host || !this.hostAllowed(hostnameOf(host)))
        throw new HttpError(
          421,
          `this ${this.opts.title} answers only under the device's own names and addresses; add the name to ${this.opts.settingsPath}.hostnames`,
          "host",
        );
      if (!url.pathname.startsWith("/api/")) {
        if (!this.assets.serve(req, res, url.pathname)) throw new HttpError(404, "not found");
        return;
      }
      res.setHeader("cache-control", "no-store");
      const match = this.opts.router.match(req.method ?? "GET", url.pathname);
      if (match === null) throw new HttpError(404, "no such API path");
      if (match === "method_not_allowed")
        throw new HttpError(405, `${req.method} is not allowed here`, null, {
          allow: this.opts.router.methodsFor(url.pathname).join(", "),
        });
      const changes = req.method !== "GET" && req.method !== "HEAD";
      const session = (await this.opts.session(cookie(req, this.opts.cookieName))) ?? null;
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
      error: `internal error; see the ${this.opts.logName} log`,
      field: null,
    };
    const clientMessage = this.opts.clientError?.(err) ?? null;
    if (err instanceof HttpError) {
      status = err.status;
      body = { error: err.message, field: err.field };
      for (const [k, v] of Object.entries(err.headers)) if (!res.headersSent) res.setHeader(k, v);
    } else if (clientMessage !== null) {
      status = 400;
      body = { error: clientMessage, field: null };
    } else {
      this.opts.logger.error({ err }, "request failed");
    }
    if (res.headersSent) {
      res.end();
      return;
    }
    res.writeHead(status, { "content-type": "application/json; charset=utf-8" });
    res.end(JSON.stringify(body));
  }
}
