import { afterEach, describe, expect, it, vi } from "vitest";
import { clientNetwork } from "../../../src/admin/http/login-throttle.js";
import * as hasher from "../../../src/admin/http/password-hasher.js";
import { cli, writeConfig } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/harness.js";
import { startTestBroker, subscriber, uniqueId } from "../../helpers/mqtt-broker.js";
import { ApiClient, adminCode, startWebHarness, type WebHarness } from "./web-harness.js";

// Counts scrypt runs without changing them: every login attempt must cost one, whatever the name.
vi.mock("../../../src/admin/http/password-hasher.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../../src/admin/http/password-hasher.js")>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword) };
});

let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

/** status, body and retry-after of one answer: what a stranger can observe. */
async function observed(res: Response) {
  return { status: res.status, body: await res.json(), retryAfter: res.headers.get("retry-after") };
}

describe("login throttling: a stranger cannot lock the real admin out", () => {
  it("wrong passwords from one address do not stop the right password from another", async () => {
    w = await startWebHarness();
    const stranger = new ApiClient(w.base, "127.0.0.2");
    // Five wrong tries used to lock `ada` for everyone, renewable forever.
    for (let i = 0; i < 8; i++) await stranger.login("ada", `guess-${i}`);
    expect(w.reasons()).toContain("admin_login_throttled");
    const admin = new ApiClient(w.base, "127.0.0.3");
    expect((await admin.login()).status).toBe(200);
    expect((await admin.request("GET", "/api/status")).status).toBe(200);
  });

  it("the failing address is throttled for that name (429 + retry-after), even with the right password, and it is logged", async () => {
    w = await startWebHarness();
    const stranger = new ApiClient(w.base, "127.0.0.2");
    for (let i = 0; i < 5; i++) expect((await stranger.login("ada", `wrong${i}`)).status).toBe(401);
    const throttled = await stranger.login();
    expect(throttled.status).toBe(429);
    expect(Number(throttled.headers.get("retry-after"))).toBe(300);
    const row = w.app.services.audit.tail(20).find((r) => r.reason === "admin_login_throttled");
    expect(row).toMatchObject({
      kind: "system",
      detail: { by: adminCode(w), address: "127.0.0.2", failures: 5 },
    });
    await w.clock.advance(300_000);
    expect((await stranger.login()).status).toBe(200);
  });

  it("the admin_login_throttled row goes out over MQTT like every audit row", async () => {
    const broker = await startTestBroker();
    const door = uniqueId("door");
    const sub = await subscriber(broker.url, [`doorward/${door}/event`]);
    try {
      w = await startWebHarness({ door_id: door, mqtt: { enabled: true, url: broker.url } });
      const stranger = new ApiClient(w.base, "127.0.0.2");
      for (let i = 0; i < 5; i++) await stranger.login("ada", `wrong${i}`);
      const last = w.app.services.audit.last()?.seq ?? 0;
      await w.app.services.mqtt?.waitForPublished(last);
      await sub.waitFor((m) => m.some((x) => x.text.includes("admin_login_throttled")));
      const event = sub.messages
        .map((m) => JSON.parse(m.text))
        .find((e) => e.reason === "admin_login_throttled");
      expect(event).toMatchObject({ kind: "system", detail: { address: "127.0.0.2", failures: 5 } });
    } finally {
      await sub.end();
      await w.stop();
      await broker.close();
    }
  });

  it("a throttle that ends in more failures grows: twice as long each time", async () => {
    w = await startWebHarness();
    const stranger = new ApiClient(w.base, "127.0.0.2");
    for (let i = 0; i < 5; i++) await stranger.login("ada", `wrong${i}`);
    await w.clock.advance(300_000);
    for (let i = 0; i < 5; i++) await stranger.login("ada", `again${i}`);
    const second = await stranger.login();
    expect(second.status).toBe(429);
    expect(Number(second.headers.get("retry-after"))).toBe(600);
  });

  it("`doorward admin unlock` clears the throttle for that name from every address", async () => {
    w = await startWebHarness();
    const stranger = new ApiClient(w.base, "127.0.0.2");
    for (let i = 0; i < 5; i++) await stranger.login("ada", `wrong${i}`);
    expect((await stranger.login()).status).toBe(429);
    const config = writeConfig(tempDir(), w.settings.data_dir);
    expect((await cli(["admin", "unlock", "ada", "--config", config])).code).toBe(0);
    expect((await stranger.login()).status).toBe(200);
  });
});

describe("login answers do not tell which admin names exist", () => {
  it("a known and an unknown name get the same status, body and retry-after, attempt after attempt", async () => {
    w = await startWebHarness({ web: { port: 0, login: { per_minute: 100 } } });
    const known = new ApiClient(w.base, "127.0.0.2");
    const unknown = new ApiClient(w.base, "127.0.0.3");
    for (let i = 0; i < 8; i++) {
      expect(await observed(await unknown.login("nobody", `wrong${i}`))).toEqual(
        await observed(await known.login("ada", `wrong${i}`)),
      );
    }
    expect(w.reasons().filter((r) => r === "admin_login_throttled")).toHaveLength(2);
  });

  it("every attempt past the address rate limit runs scrypt exactly once: unknown names and throttled ones too", async () => {
    w = await startWebHarness({ web: { port: 0, login: { per_minute: 100 } } });
    const verify = vi.mocked(hasher.verifyPassword);
    verify.mockClear();
    const c = new ApiClient(w.base, "127.0.0.2");
    for (let i = 0; i < 7; i++) await c.login("ada", `wrong${i}`);
    for (let i = 0; i < 7; i++) await c.login("nobody", `wrong${i}`);
    expect(verify).toHaveBeenCalledTimes(14);
    // The unknown names were checked against a hash of the production cost, not a cheap one.
    const costs = verify.mock.calls.map(([, stored]) => stored.split("$")[1]);
    expect(costs.slice(7)).toEqual(Array(7).fill(String(2 ** 15)));
  });
});

describe("the unit a client is counted by", () => {
  it("is the IPv4 address, or the /64 of an IPv6 address (a host that owns a /64 cannot start afresh per address)", () => {
    expect(clientNetwork("203.0.113.7")).toBe("203.0.113.7");
    expect(clientNetwork("::ffff:203.0.113.7")).toBe("203.0.113.7");
    expect(clientNetwork("2001:db8:1:2::1")).toBe("2001:0db8:0001:0002::/64");
    expect(clientNetwork("2001:db8:1:2:ffff:eeee:dddd:cccc")).toBe("2001:0db8:0001:0002::/64");
    expect(clientNetwork("2001:db8::1")).toBe("2001:0db8:0000:0000::/64");
    expect(clientNetwork("::1")).toBe("0000:0000:0000:0000::/64");
    expect(clientNetwork("fe80::1%eth0")).toBe("fe80:0000:0000:0000::/64");
    expect(clientNetwork("2001:db8:1:3::1")).not.toBe(clientNetwork("2001:db8:1:2::1"));
  });
});
