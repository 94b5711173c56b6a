import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { danglingRefs, documentedRoutes, loadOpenApiDoc, operation } from "../helpers/openapi-doc.js";
import { type PageHarness, startPage } from "./hub-page-harness.js";
import { hubStoreFactories } from "./hub-stores.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

/** The hub's API for SIEMs and auditors' scripts: the file must match what the running page serves. */
describe("docs/hub-openapi.yaml", () => {
  const doc = loadOpenApiDoc("hub-openapi.yaml");
  let h: PageHarness;
  beforeAll(async () => {
    const pglite = hubStoreFactories()[0];
    if (!pglite) throw new Error("no PGlite store factory");
    h = await startPage(await pglite.open());
  });
  afterAll(() => h?.stop());

  it("is OpenAPI 3.x whose every $ref resolves, with the session cookie and CSRF header schemes", () => {
    expect(danglingRefs(doc)).toEqual([]);
    expect(doc.components?.securitySchemes).toEqual({
      session: { type: "apiKey", in: "cookie", name: "dw_hub_session" },
      csrf: { type: "apiKey", in: "header", name: "X-CSRF-Token" },
    });
  });

  it("documents exactly the routes the hub page serves", () => {
    expect(documentedRoutes(doc)).toEqual(h.server.routes().sort());
  });

  it("is answered by the running page for every route, without a session only where security is []", async () => {
    for (const route of documentedRoutes(doc)) {
      const [method, path] = route.split(" ") as [string, string];
      const res = await fetch(h.base + path, {
        method,
        ...(method === "GET" ? {} : { headers: { "content-type": "application/json" }, body: "{}" }),
      });
      await res.arrayBuffer();
      const open = operation(doc, route).security?.length === 0;
      const seen =
        res.status === 404 || res.status === 405 ? "not served" : res.status === 401 ? 401 : "answered";
      expect({ route, status: seen }).toEqual({
        route,
        status: open ? "answered" : 401,
      });
    }
  });
});
