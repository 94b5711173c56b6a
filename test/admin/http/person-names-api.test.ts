import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ApiClient, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
let c: ApiClient;
beforeAll(async () => {
  w = await startWebHarness();
  c = new ApiClient(w.base);
  await c.login();
});
afterAll(() => w.stop());

describe("person names on the API (issue 10 item 21)", () => {
  it.each([
    ["NUL", "a\u0000b"],
    ["ESC", "x\u001b[31m"],
    ["newline", "two\nlines"],
    ["bidi override", "mallory\u202egnp.exe"],
    ["zero-width only", "\u200b"],
    ["unassigned", "x\u{0378}"],
    ["101 characters", "n".repeat(101)],
    ["10 kB", "n".repeat(10_000)],
  ])("%s: 400 naming the field, nothing added", async (_what, name) => {
    const res = await c.request("POST", "/api/users", { name });
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: string; field: string };
    expect(body.field).toBe("name");
    expect(body.error).toMatch(/a name (cannot contain|needs|is at most)/);
    expect(w.app.services.users.list()).toHaveLength(0);
  });

  it("a decomposed name is stored NFC and trimmed", async () => {
    const res = await c.request("POST", "/api/users", { name: " Zoe\u0301 " });
    expect(res.status).toBe(201);
    expect(((await res.json()) as { name: string }).name).toBe("Zo\u00e9");
    const dup = await c.request("POST", "/api/users", { name: "Zo\u00e9" });
    expect(dup.status).toBe(409);
  });
});
