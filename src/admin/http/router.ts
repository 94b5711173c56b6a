import type { IncomingMessage, ServerResponse } from "node:http";
import type { z } from "zod";
import type { Session } from "./session-store.js";

/** An error a handler throws to answer with `{error, field}` and this status. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export type Method = "GET" | "POST" | "PUT" | "DELETE";

export interface RequestContext {
  req: IncomingMessage;
  res: ServerResponse;
  params: Record<string, string>;
  query: URLSearchParams;
  /** The logged-in session; null only on routes declared `auth: "none"`. */
  session: Session | null;
  /** The parsed JSON body (checked by the server: JSON content type, size limit). */
  body: unknown;
  clientAddress: string;
}

/** What a handler returns; `undefined` means it wrote the response itself (a stream, SSE). */
export interface Reply {
  status?: number;
  json?: unknown;
  headers?: Record<string, string>;
}

export type Handler = (ctx: RequestContext) => Promise<Reply | undefined> | Reply | undefined;

export interface RouteOptions {
  /** "session" (default): a valid session cookie is required; state changes also need the CSRF header. */
  auth?: "session" | "none";
}

interface Route {
  method: Method;
  parts: string[];
  handler: Handler;
  options: Required<RouteOptions>;
}

export type Match = { route: Route; params: Record<string, string> } | "method_not_allowed" | null;

/** A deliberately small router: exact segments and `:name` parameters, nothing else. */
export class Router {
  private readonly routes: Route[] = [];

  add(method: Method, pattern: string, handler: Handler, options: RouteOptions = {}): this {
    this.routes.push({
      method,
      parts: pattern.split("/").filter(Boolean),
      handler,
      options: { auth: options.auth ?? "session" },
    });
    return this;
  }

  /** Every route as "METHOD /path/{param}" (the OpenAPI document is checked against this). */
  list(): string[] {
    return this.routes.map(
      (r) => `${r.method} /${r.parts.map((p) => (p.startsWith(":") ? `{${p.slice(1)}}` : p)).join("/")}`,
    );
  }

  /** The methods a path answers to (the `Allow` header of a 405). */
  methodsFor(path: string): Method[] {
    const segments = path.split("/").filter(Boolean);
    return this.routes.filter((r) => matchParts(r.parts, segments)).map((r) => r.method);
  }

  match(method: string, path: string): Match {
    const segments = path.split("/").filter(Boolean);
    let pathMatched = false;
    for (const route of this.routes) {
      const params = matchParts(route.parts, segments);
      if (!params) continue;
      if (route.method === method) return { route, params };
      pathMatched = true;
    }
    return pathMatched ? "method_not_allowed" : null;
  }
}

function matchParts(parts: string[], segments: string[]): Record<string, string> | null {
  if (parts.length !== segments.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i] as string;
    const segment = segments[i] as string;
    if (part.startsWith(":")) {
      try {
        params[part.slice(1)] = decodeURIComponent(segment);
      } catch {
        return null;
      }
    } else if (part !== segment) return null;
  }
  return params;
}

/** Validates input against a zod schema; the first problem becomes a 400 naming the field. */
export function validate<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.length ? issue.path.join(".") : null;
  throw new HttpError(400, issue?.message ?? "invalid input", field);
}
