import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { AdminAccountStore } from "../../../src/admin/http/admin-account-store.js";
import { createAdminHttpServer } from "../../../src/admin/http/create-admin-http-server.js";
import { hashPassword } from "../../../src/admin/http/password-hasher.js";
import { SessionStore } from "../../../src/admin/http/session-store.js";
import { createLogger } from "../../../src/logger.js";
import { openDatabase } from "../../../src/store/open-database.js";
import { cli, writeConfig } from "../../helpers/cli.js";
import { tempDir } from "../../helpers/harness.js";
import { ApiClient, EventStreamReader, startWebHarness, type WebHarness } from "./web-harness.js";

let w: WebHarness;
afterEach(async () => {
  await w?.stop();
});

/** The harness plus a second admin, `victim`, logged in; and a config file for the CLI on the same data_dir. */
async function victimLoggedIn(overrides: Record<string, unknown> = {}) {
  w = await startWebHarness(overrides);
  new AdminAccountStore(w.app.services.db).add(
    "victim",
    await hashPassword("victim password", { n: 2 ** 12 }),
    w.clock.now(),
  );
  const victim = new ApiClient(w.base);
  expect((await victim.login("victim", "victim password")).status).toBe(200);
  const config = writeConfig(tempDir(), w.settings.data_dir);
  return { victim, config };
}

/** What a removed admin would try next: read the session, plant a person with a PIN, open the door. */
async function attackerRequests(c: ApiClient): Promise<number[]> {
  return [
    (await c.request("GET", "/api/session")).status,
    (await c.request("POST", "/api/users", { name: "planted", pin: "424242" })).status,
    (await c.request("POST", "/api/door/unlock", { confirm: true })).status,
  ];
}

describe("admin sessions live in the database", () => {
  it("a removed admin's cookie gets 401 on its very next request (CLI `admin remove`)", async () => {
    const { victim, config } = await victimLoggedIn();
    expect((await cli(["admin", "remove", "victim", "--config", config])).code).toBe(0);
    expect(await attackerRequests(victim)).toEqual([401, 401, 401]);
    expect(w.app.services.users.find("planted")).toBeUndefined();
    expect(w.sim.door.pulseCount()).toBe(0);
  });

  it("a session older than a password change gets 401 (CLI `admin passwd`)", async () => {
    const { victim, config } = await victimLoggedIn();
    const passwd = await cli(["admin", "passwd", "victim", "--config", config], {
      stdin: "a brand new password\n",
    });
    expect(passwd.code).toBe(0);
    expect(await attackerRequests(victim)).toEqual([401, 401, 401]);
    expect(w.app.services.users.find("planted")).toBeUndefined();
    // The new password opens a new session.
    expect((await victim.login("victim", "a brand new password")).status).toBe(200);
  });

  it("a service restart does not log anyone out", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    await w.server.stop();
    const restarted = createAdminHttpServer(w.app, w.clock, createLogger("silent"));
    const { url } = await restarted.start();
    w.server = restarted;
    const again = new ApiClient(url.replace(/\/$/, ""));
    again.cookie = c.cookie;
    again.csrf = c.csrf;
    const session = await again.request("GET", "/api/session");
    expect(session.status).toBe(200);
    expect(await session.json()).toEqual({ name: "ada", csrf_token: c.csrf });
    expect((await again.request("POST", "/api/users", { name: "grace" })).status).toBe(201);
  });

  it("stores only a hash of the session token: the token is in no file under data_dir", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    const token = c.cookie.split("=")[1] as string;
    expect(token.length).toBeGreaterThan(40);
    const rows = w.app.services.db.prepare("SELECT * FROM admin_sessions").all();
    expect(rows).toHaveLength(1);
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain(c.csrf);
    for (const file of readdirSync(w.settings.data_dir)) {
      const bytes = readFileSync(join(w.settings.data_dir, file));
      expect(bytes.includes(Buffer.from(token)), file).toBe(false);
    }
  });

  it("the idle timeout still ends a session", async () => {
    w = await startWebHarness({ web: { port: 0, session_idle_min: 1 } });
    const c = new ApiClient(w.base);
    await c.login();
    await w.clock.advance(50_000);
    expect((await c.request("GET", "/api/session")).status).toBe(200);
    await w.clock.advance(61_000);
    expect((await c.request("GET", "/api/session")).status).toBe(401);
  });

  it("the 12-hour limit ends a session however busy it is (store level, no door timers)", async () => {
    const clock = new FakeClock();
    const db = openDatabase(":memory:");
    const admin = new AdminAccountStore(db).add("ada", "scrypt$x", clock.now());
    const sessions = new SessionStore(db, clock, 30 * 60_000);
    const { token } = sessions.create(admin.name);
    for (let t = 0; t < 12 * 60 - 20; t += 20) {
      await clock.advance(20 * 60_000);
      expect(sessions.get(token)?.admin).toBe("ada");
    }
    await clock.advance(20 * 60_000);
    expect(sessions.get(token)).toBeUndefined();
    expect(db.prepare("SELECT count(*) AS n FROM admin_sessions").get()).toEqual({ n: 0 });
  });
});

describe("the live feed ends with the session", () => {
  async function openFeed(c: ApiClient): Promise<EventStreamReader> {
    const res = await c.request("GET", "/api/events");
    expect(res.status).toBe(200);
    const feed = new EventStreamReader(res);
    while (!feed.text.includes("event: status")) await new Promise((r) => setTimeout(r, 5));
    return feed;
  }

  it("logout ends the stream at once with a session_ended event", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    const feed = await openFeed(c);
    await c.request("POST", "/api/logout");
    await w.clock.advance(1000);
    expect(await feed.isEnded()).toBe(true);
    expect(feed.text).toMatch(/event: session_ended\ndata: \{"reason":"logged_out"\}/);
  });

  it("the idle timeout ends the stream within a second; the stream itself does not keep the session alive", async () => {
    w = await startWebHarness({ web: { port: 0, session_idle_min: 1 } });
    const c = new ApiClient(w.base);
    await c.login();
    const feed = await openFeed(c);
    await w.clock.advance(59_000);
    expect(await feed.isEnded()).toBe(false);
    await w.clock.advance(2_000);
    expect(await feed.isEnded()).toBe(true);
    expect(feed.text).toMatch(/event: session_ended\ndata: \{"reason":"expired"\}/);
    await w.type("9999#");
    expect(feed.text).not.toContain("unknown_credential");
  });

  it("an admin removed from the CLI (another process) loses the stream within a second", async () => {
    const { victim, config } = await victimLoggedIn();
    const feed = await openFeed(victim);
    expect((await cli(["admin", "remove", "victim", "--config", config])).code).toBe(0);
    await w.clock.advance(1000);
    expect(await feed.isEnded()).toBe(true);
    expect(feed.text).toMatch(/event: session_ended\ndata: \{"reason":"revoked"\}/);
    await w.type("9999#");
    expect(feed.text).not.toContain("unknown_credential");
  });

  it("not one audit row reaches the stream after the CLI removes the admin, even before the next check", async () => {
    const { victim, config } = await victimLoggedIn();
    const feed = await openFeed(victim);
    expect((await cli(["admin", "remove", "victim", "--config", config])).code).toBe(0);
    await w.type("9999#"); // less than the one-second check interval passes
    expect(await feed.isEnded()).toBe(true);
    expect(feed.text).not.toContain("unknown_credential");
  });
});
