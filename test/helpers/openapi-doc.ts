import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

const HTTP_METHODS = ["get", "post", "put", "delete", "patch"] as const;

export interface OpenApiOperation {
  /** `[]` marks a route answered without a session (login, setup). */
  security?: unknown[];
}

export interface OpenApiDoc {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: Record<string, unknown>;
}

/**
 * Reads an OpenAPI file of docs/ (parsed with `yaml`, so a syntax error fails the test) and
 * checks the top-level fields every OpenAPI 3.x document needs.
 */
export function loadOpenApiDoc(name: string): OpenApiDoc {
  const doc = parse(
    readFileSync(join(import.meta.dirname, "../../docs", name), "utf8"),
  ) as Partial<OpenApiDoc>;
  if (typeof doc?.openapi !== "string" || !/^3\.\d+\.\d+$/.test(doc.openapi))
    throw new Error(`${name}: 'openapi' must be a 3.x version, got ${JSON.stringify(doc?.openapi)}`);
  if (typeof doc.info?.title !== "string" || typeof doc.info?.version !== "string")
    throw new Error(`${name}: 'info' needs a title and a version`);
  if (typeof doc.paths !== "object" || doc.paths === null) throw new Error(`${name}: 'paths' is missing`);
  return doc as OpenApiDoc;
}

/** "GET /api/x/{id}" for every operation, sorted: the form of `Router.list()`. */
export function documentedRoutes(doc: OpenApiDoc): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((k) => (HTTP_METHODS as readonly string[]).includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    )
    .sort();
}

export function operation(doc: OpenApiDoc, route: string): OpenApiOperation {
  const [method = "", path = ""] = route.split(" ");
  return doc.paths[path]?.[method.toLowerCase()] ?? {};
}

/** Every local `$ref` ("#/components/...") that points at nothing. */
export function danglingRefs(doc: OpenApiDoc): string[] {
  const dangling: string[] = [];
  const resolves = (ref: string) =>
    ref
      .slice(2)
      .split("/")
      .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc) !==
    undefined;
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object")
      for (const [k, v] of Object.entries(node)) {
        if (k === "$ref" && typeof v === "string" && (!v.startsWith("#/") || !resolves(v))) dangling.push(v);
        else walk(v);
      }
  };
  walk(doc);
  return dangling;
}
