import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

describe("docs/openapi.yaml", () => {
  it("documents exactly the routes the server answers", async () => {
    w = await startWebHarness();
    const doc = parse(readFileSync(join(import.meta.dirname, "../../../docs/openapi.yaml"), "utf8")) as {
      paths: Record<string, Record<string, unknown>>;
    };
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) =>
      Object.keys(ops)
        .filter((k) => ["get", "post", "put", "delete"].includes(k))
        .map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(documented.sort()).toEqual(w.server.routes().sort());
  });
});
