import { request as httpsRequest } from "node:https";
import { AdminAccountStore } from "../../../src/admin/http/admin-account-store.js";
import type { AdminHttpServer } from "../../../src/admin/http/admin-http-server.js";
import { createAdminHttpServer } from "../../../src/admin/http/create-admin-http-server.js";
import { hashPassword } from "../../../src/admin/http/password-hasher.js";
import { ActorCodes } from "../../../src/audit/actor-codes.js";
import { createLogger } from "../../../src/logger.js";
import { loadCredentialKey } from "../../../src/secrets/credential-key.js";
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

/** What rows store for an admin (`web:ada` → `web:a-XXXXXX`): their admin code, never the name. */
export function adminCode(h: Pick<Harness, "settings">, identity = "web:ada"): string {
  return new ActorCodes(loadCredentialKey(h.settings)).code(identity);
}

/** A browser-like client: keeps the session cookie and sends the CSRF token it was given. */
export class ApiClient {
  cookie = "";
  csrf = "";
  /** `localAddress` makes the client connect from another loopback address (127.0.0.2, ...), as a second machine would. */
  constructor(
    private readonly base: string,
    private readonly localAddress?: string,
  ) {}

  async request(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Response> {
    const init = {
      method,
      headers: {
        ...(this.cookie ? { cookie: this.cookie } : {}),
        ...(this.csrf && method !== "GET" ? { "x-csrf-token": this.csrf } : {}),
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    const res = this.localAddress
      ? await requestFrom(this.localAddress, this.base + path, init)
      : await fetch(this.base + path, init);
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

/** fetch() cannot choose its source address; node:https can. Buffers the answer into a Response. */
function requestFrom(
  localAddress: string,
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(url, { method: init.method, headers: init.headers, localAddress }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const headers = new Headers();
        for (const [k, v] of Object.entries(res.headers))
          if (v !== undefined) headers.set(k, Array.isArray(v) ? v.join(", ") : v);
        resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 0, headers }));
      });
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(init.body);
  });
}

/** An open SSE stream: `text` grows as events arrive; `ended` resolves when the server ends it. */
export class EventStreamReader {
  text = "";
  readonly ended: Promise<void>;
  private readonly reader: ReadableStreamDefaultReader<Uint8Array>;

  constructor(res: Response) {
    const reader = (res.body as ReadableStream<Uint8Array>).getReader();
    this.reader = reader;
    this.ended = (async () => {
      const decoder = new TextDecoder();
      for (;;) {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) return;
        this.text += decoder.decode(value);
      }
    })();
  }

  /** Whether the stream has ended; waits a few real macrotasks for bytes in flight, never for a timer. */
  async isEnded(): Promise<boolean> {
    let ended = false;
    void this.ended.then(() => {
      ended = true;
    });
    for (let i = 0; i < 50 && !ended; i++) await new Promise((r) => setTimeout(r, 10));
    return ended;
  }

  async close(): Promise<void> {
    await this.reader.cancel().catch(() => {});
  }
}
