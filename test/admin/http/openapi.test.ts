import { afterEach, describe, expect, it } from "vitest";
import { documentedRoutes, loadOpenApiDoc } from "../../helpers/openapi-doc.js";
import { startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

describe("docs/openapi.yaml", () => {
  it("documents exactly the routes the server answers", async () => {
    w = await startWebHarness();
    expect(documentedRoutes(loadOpenApiDoc("openapi.yaml"))).toEqual(w.server.routes().sort());
  });
});
