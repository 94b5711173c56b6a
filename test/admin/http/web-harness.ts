import { AdminAccountStore } from "../../../src/admin/http/admin-account-store.js";
import type { AdminHttpServer } from "../../../src/admin/http/admin-http-server.js";
import { createAdminHttpServer } from "../../../src/admin/http/create-admin-http-server.js";
import { hashPassword } from "../../../src/admin/http/password-hasher.js";
import { createLogger } from "../../../src/logger.js";
import { type Harness, startHarness } from "../../helpers/harness.js";

// The server's certificate is self-signed: these tests talk to it on localhost only.
process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";

export interface WebHarness extends Harness {
  server: AdminHttpServer;
  base: string;
  stop(): Promise<void>;
}

/** The whole controller on the simulator plus the admin server on a free port, with admin `ada` / `correct horse`. */
export async function startWebHarness(overrides: Record<string, unknown> = {}): Promise<WebHarness> {
  const h = await startHarness({ web: { port: 0 }, ...overrides });
  const accounts = new AdminAccountStore(h.app.services.db);
  accounts.add("ada", await hashPassword("correct horse", { n: 2 ** 12 }), h.clock.now());
  const server = createAdminHttpServer(h.app, h.clock, createLogger("silent"));
  const { url } = await server.start();
  return {
    ...h,
    server,
    base: url.replace(/\/$/, ""),
    async stop() {
      await server.stop();
      await h.app.stop();
    },
  };
}

/** A browser-like client: keeps the session cookie and sends the CSRF token it was given. */
export class ApiClient {
  cookie = "";
  csrf = "";
  constructor(private readonly base: string) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const res = await fetch(this.base + path, {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== "GET" ? { "x-csrf-token": this.csrf } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookie = res.headers.get("set-cookie");
    if (setCookie) this.cookie = setCookie.split(";")[0] as string;
    return res;
  }

  async login(name = "ada", password = "correct horse"): Promise<Response> {
    const res = await this.request("POST", "/api/login", { name, password });
    if (res.ok) this.csrf = ((await res.clone().json()) as { csrf_token: string }).csrf_token;
    return res;
  }
}
