import { afterEach, describe, expect, it } from "vitest";
import { ApiClient, adminCode, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

describe("admin API: authentication", () => {
  it("logs in with the right password and sets a HttpOnly, Secure, SameSite=Strict session cookie", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    const res = await c.login();
    expect(res.status).toBe(200);
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^dw_session=[A-Za-z0-9_-]{40,};/);
    expect(cookie).toContain("HttpOnly");
    expect(cookie).toContain("Secure");
    expect(cookie).toContain("SameSite=Strict");
    expect(((await res.json()) as { csrf_token: string }).csrf_token.length).toBeGreaterThan(30);
    expect(w.app.services.audit.last()).toMatchObject({
      reason: "admin_login",
      detail: { by: adminCode(w) },
    });
    expect((await c.request("GET", "/api/status")).status).toBe(200);
  });

  it("refuses a wrong password with 401 naming the field, and logs the failure", async () => {
    w = await startWebHarness();
    const res = await new ApiClient(w.base).login("ada", "wrong");
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ error: "wrong name or password", field: "password" });
    expect(w.app.services.audit.last()).toMatchObject({
      reason: "admin_login_failed",
      detail: { by: adminCode(w) },
    });
  });

  it("an unknown name gets the same answer, and the typed name is not logged", async () => {
    w = await startWebHarness();
    const res = await new ApiClient(w.base).login("hunter2-typed-in-the-name-field", "x");
    expect(res.status).toBe(401);
    expect(JSON.stringify(w.app.services.audit.last())).not.toContain("hunter2");
  });

  it("throttles the failing address for that name after 5 wrong passwords: even the right one is refused until it ends", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    for (let i = 0; i < 5; i++) expect((await c.login("ada", `wrong${i}`)).status).toBe(401);
    expect(w.reasons()).toContain("admin_login_throttled");
    const throttled = await c.login();
    expect(throttled.status).toBe(429);
    expect(((await throttled.json()) as { field: string }).field).toBe("name");
    await w.clock.advance(300_000);
    expect((await c.login()).status).toBe(200);
  });

  it("rate-limits login attempts per address whatever the account name", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    for (let i = 0; i < 10; i++) await c.login(`nobody${i}`, "x");
    const res = await c.login();
    expect(res.status).toBe(429);
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(0);
    await w.clock.advance(60_000);
    expect((await c.login()).status).toBe(200);
  });

  it("answers 401 to every API call without a session, and to a forged cookie", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    for (const [method, path] of [
      ["GET", "/api/status"],
      ["GET", "/api/users"],
      ["GET", "/api/log"],
      ["GET", "/api/log/export?format=csv"],
      ["GET", "/api/events"],
      ["POST", "/api/door/unlock"],
    ] as const) {
      const res = await c.request(method, path, method === "POST" ? { confirm: true } : undefined);
      expect(res.status, path).toBe(401);
      expect(await res.json()).toMatchObject({ error: "log in first" });
    }
    c.cookie = "dw_session=forged";
    expect((await c.request("GET", "/api/status")).status).toBe(401);
    expect(w.sim.door.pulseCount()).toBe(0);
  });

  it("refuses a state change with a missing or wrong CSRF token (403) and changes nothing", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    const token = c.csrf;
    c.csrf = "";
    const missing = await c.request("POST", "/api/users", { name: "mallory" });
    expect(missing.status).toBe(403);
    expect(await missing.json()).toMatchObject({ field: "x-csrf-token" });
    c.csrf = `${token.slice(0, -2)}xx`;
    expect((await c.request("POST", "/api/door/unlock", { confirm: true })).status).toBe(403);
    expect(w.app.services.users.find("mallory")).toBeUndefined();
    expect(w.sim.door.pulseCount()).toBe(0);
  });

  it("refuses a cross-origin state change even with the token", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    const res = await c.request("POST", "/api/users", { name: "eve" }, { origin: "https://evil.example" });
    expect(res.status).toBe(403);
  });

  it("an unparsable Origin (a sandboxed frame sends 'null') is a clear 403, not a 500", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    for (const origin of ["null", "not a url"]) {
      const res = await c.request("POST", "/api/users", { name: "eve" }, { origin });
      expect(res.status).toBe(403);
      expect(await res.json()).toEqual({ error: "cross-origin request refused", field: "origin" });
    }
    expect(w.app.services.users.find("eve")).toBeUndefined();
  });

  it("logout ends the session", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    const cookie = c.cookie;
    expect((await c.request("POST", "/api/logout")).status).toBe(200);
    c.cookie = cookie;
    expect((await c.request("GET", "/api/status")).status).toBe(401);
  });
});
