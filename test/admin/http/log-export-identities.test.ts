import { afterEach, describe, expect, it } from "vitest";
import { ActorCodes } from "../../../src/audit/actor-codes.js";
import { loadCredentialKey } from "../../../src/secrets/credential-key.js";
import { ApiClient, startWebHarness, type WebHarness } from "./web-harness.js";

// Issue 10 item 9: the page's export leaves the device, so it follows the same rule as the CLI
// export and MQTT: admin accounts become stable admin codes.
let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

describe("the admin page's log export", () => {
  it("carries admin codes, not web:ada, in CSV and JSON", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    expect((await c.request("POST", "/api/users", { name: "Grace", pin: "4711" })).status).toBe(201);
    const code = new ActorCodes(loadCredentialKey(w.app.settings)).code("web:ada");
    expect(code).toMatch(/^web:a-[0-9A-Z]{6}$/);
    const csv = await (await c.request("GET", "/api/log/export?format=csv")).text();
    expect(csv).not.toContain("web:ada");
    expect(csv).toContain(code);
    const json = await (await c.request("GET", "/api/log/export?format=json")).text();
    expect(json).not.toContain("web:ada");
    expect(json).toContain(code);
  });
});
