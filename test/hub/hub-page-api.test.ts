import { existsSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { auditorCommand } from "../../src/admin/commands/hub-auditor-command.js";
import * as hasher from "../../src/admin/http/password-hasher.js";
import { AuditorTrail } from "../../src/hub/http/auditor-trail.js";
import { ApiClient } from "../admin/http/web-harness.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";
import { type PageHarness, seedHub, startPage, T0 } from "./hub-page-harness.js";
import { hubStoreFactories } from "./hub-stores.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

// Counts scrypt runs without changing them: every login attempt must cost one, whatever the name.
vi.mock("../../src/admin/http/password-hasher.js", async (importOriginal) => {
  const real = await importOriginal<typeof import("../../src/admin/http/password-hasher.js")>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword) };
});

const MIN = 60_000;
/** The CLI's streams, with stdin as a pipe (the password's first line). */
const cliIo = (stdin: string) => ({
  io: { stdout: new PassThrough(), stderr: new PassThrough(), stdin: Readable.from([stdin]), env: {} },
});

describe.each(hubStoreFactories())("the auditors' page API on $name", (factory) => {
  let h: PageHarness;
  let client: ApiClient;
  beforeEach(async () => {
    const store = await factory.open();
    await seedHub(store);
    h = await startPage(store, { login: { max_failures: 3, lockout_s: 300, per_minute: 100 } });
    client = new ApiClient(h.base);
  });
  afterEach(() => h.stop());

  const json = async (path: string) => {
    const res = await client.request("GET", path);
    expect(res.status, path).toBe(200);
    return res.json() as Promise<Record<string, unknown>>;
  };

  it("answers 401 on every read route without a session, with the strict CSP", async () => {
    for (const path of [
      "/api/doors",
      "/api/events",
      "/api/events/export?format=csv",
      "/api/chart",
      "/api/alerts",
      "/api/auditor-trail",
      "/api/session",
    ]) {
      const res = await client.request("GET", path);
      expect(res.status, path).toBe(401);
      expect(res.headers.get("content-security-policy")).toContain("script-src 'self'");
    }
    expect((await client.request("POST", "/api/logout")).status).toBe(401);
    const page = await client.request("GET", "/");
    expect(page.status).toBe(200);
    expect(await page.text()).toContain("Auditor name");
    expect((await client.request("GET", "/page-common.js")).status).toBe(200);
  });

  it("shows the auditor trail: who added which auditor, and that its chain is intact", async () => {
    expect((await client.login()).status).toBe(200);
    const { entries, chain, key } = (await json("/api/auditor-trail")) as {
      entries: Array<Record<string, unknown>>;
      chain: unknown;
      key: unknown;
    };
    expect(entries.map((e) => [e.action, e.auditor, e.by])).toEqual([["add", "ada", "os:test"]]);
    expect(chain).toEqual({ ok: true, checked: 1 });
    expect(key).toEqual({ state: "ok", rows: 1 });
    // The key file gone: the page says so, and reading the trail does not make a new one.
    const keyFile = join(h.dataDir, "auditor-trail.key");
    rmSync(keyFile);
    const without = (await json("/api/auditor-trail")) as {
      entries: unknown[];
      chain: unknown;
      key: unknown;
    };
    expect(without.entries).toHaveLength(1);
    expect(without.chain).toEqual({ ok: true, checked: 1 });
    expect(without.key).toEqual({ state: "missing", rows: 1 });
    expect(existsSync(keyFile)).toBe(false);
  });

  it("lists the doors with their chain state and the fork alert with its first rewritten seq", async () => {
    expect((await client.login()).status).toBe(200);
    const { doors } = (await json("/api/doors")) as { doors: Array<Record<string, unknown>> };
    expect(doors.map((d) => [d.door, d.last_seq, d.chain_state, d.state_seq])).toEqual([
      ["archive", 2, "ok", null],
      ["records-room", 4, "fork", 3],
    ]);
    const { alerts } = (await json("/api/alerts")) as { alerts: Array<Record<string, unknown>> };
    expect(alerts.filter((a) => a.kind === "fork").map((a) => [a.door, a.seq])).toContainEqual([
      "records-room",
      3,
    ]);
    const forks = (await json("/api/alerts?kind=fork")) as { alerts: Array<{ kind: string }> };
    expect(forks.alerts.every((a) => a.kind === "fork")).toBe(true);
  });

  it("searches by door, user code, reason and time, and pages through the results", async () => {
    await client.login();
    const seqs = async (q: string) =>
      ((await json(`/api/events?${q}`)) as { events: Array<{ door: string; seq: number }> }).events.map(
        (e) => `${e.door}#${e.seq}`,
      );
    expect(await seqs("")).toEqual([
      "records-room#1",
      "archive#1",
      "records-room#2",
      "records-room#3",
      "records-room#4",
      "archive#2",
    ]);
    expect(await seqs("door=archive")).toEqual(["archive#1", "archive#2"]);
    expect(await seqs("user=u-BOB002")).toEqual(["records-room#2", "records-room#3"]);
    expect(await seqs("reason=unknown_credential")).toEqual(["records-room#4"]);
    const since = new Date(T0 + 20 * MIN).toISOString();
    const until = new Date(T0 + 66 * MIN).toISOString();
    expect(await seqs(`since=${since}&until=${until}`)).toEqual([
      "records-room#2",
      "records-room#3",
      "records-room#4",
    ]);
    const bad = await client.request("GET", "/api/events?since=yesterday");
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { field: string }).field).toBe("since");
    expect((await client.request("GET", "/api/events?after=forged")).status).toBe(400);

    // 230 more events on one door: pages of 100, in order, none lost or repeated.
    const { LightDoor } = await import("../../simulator/light-door.js");
    const { ingestBatch } = await import("../../src/hub/ingest.js");
    const big = new LightDoor("lobby");
    for (let i = 0; i < 230; i++) big.append(T0 + i * 1000, { userCode: "u-PAGE01" });
    await h.store.transaction((tx) =>
      ingestBatch(
        tx,
        big.events.map((event) => ({ event, prefix: "doorward/lobby" })),
        T0 + 3_600_000,
      ),
    );
    const seen: number[] = [];
    let after: string | null = null;
    let pages = 0;
    do {
      const page = (await json(`/api/events?door=lobby${after ? `&after=${after}` : ""}`)) as {
        events: Array<{ seq: number }>;
        next: string | null;
      };
      seen.push(...page.events.map((e) => e.seq));
      after = page.next;
      pages++;
    } while (after);
    expect(pages).toBe(3);
    expect(seen).toEqual(Array.from({ length: 230 }, (_, i) => i + 1));
  });

  it("exports CSV and JSON lines with the columns of `hub query`, filtered like the search", async () => {
    await client.login();
    const csv = await client.request("GET", "/api/events/export?format=csv&user=u-ALICE1");
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-disposition")).toContain("hub-events.csv");
    const lines = (await csv.text()).trim().split("\n");
    expect(lines[0]).toBe("ts,door,seq,kind,credential,outcome,reason,user_code,detail,hash");
    expect(lines.slice(1).map((l) => l.split(",").slice(0, 3).join(","))).toEqual([
      "2026-03-03T08:10:00.000Z,records-room,1",
      "2026-03-03T08:15:00.000Z,archive,1",
    ]);
    const jsonl = await client.request(
      "GET",
      "/api/events/export?format=json&door=records-room&reason=wrong_pin",
    );
    const rows = (await jsonl.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows).toHaveLength(1);
    expect(Object.keys(rows[0])).toEqual([
      "ts",
      "door",
      "seq",
      "kind",
      "credential",
      "outcome",
      "reason",
      "user_code",
      "detail",
      "hash",
    ]);
    expect(rows[0]).toMatchObject({ door: "records-room", seq: 3, outcome: "denied", user_code: "u-BOB002" });
    expect((await client.request("GET", "/api/events/export?format=xml")).status).toBe(400);
  });

  it("counts entries and denials per door per hour in the database", async () => {
    await client.login();
    const since = new Date(T0).toISOString();
    const until = new Date(T0 + 3 * 3_600_000).toISOString();
    const chart = (await json(`/api/chart?since=${since}&until=${until}`)) as {
      since: string;
      hours: Array<{ door: string; hour: string; entries: number; denials: number }>;
    };
    expect(chart.since).toBe("2026-03-03T08:00:00.000Z");
    expect(chart.hours).toEqual([
      { door: "archive", hour: "2026-03-03T08:00:00.000Z", entries: 1, denials: 0 },
      { door: "archive", hour: "2026-03-03T10:00:00.000Z", entries: 1, denials: 0 },
      { door: "records-room", hour: "2026-03-03T08:00:00.000Z", entries: 2, denials: 1 },
      { door: "records-room", hour: "2026-03-03T09:00:00.000Z", entries: 0, denials: 1 },
    ]);
    const one = (await json(`/api/chart?since=${since}&until=${until}&door=archive`)) as { hours: unknown[] };
    expect(one.hours).toHaveLength(2);
    const tooLong = await client.request("GET", `/api/chart?since=2026-01-01&until=2026-03-03`);
    expect(tooLong.status).toBe(400);
  });

  it("refuses logout without the CSRF token or from another origin, and ends the session with it", async () => {
    await client.login();
    const token = client.csrf;
    client.csrf = "";
    expect((await client.request("POST", "/api/logout")).status).toBe(403);
    client.csrf = "wrong";
    expect((await client.request("POST", "/api/logout")).status).toBe(403);
    client.csrf = token;
    expect(
      (await client.request("POST", "/api/logout", undefined, { origin: "https://evil.example" })).status,
    ).toBe(403);
    expect((await client.request("GET", "/api/doors")).status).toBe(200);
    expect((await client.request("POST", "/api/logout")).status).toBe(200);
    expect((await client.request("GET", "/api/doors")).status).toBe(401);
  });

  /**
   * `doorward hub auditor …`: on PostgreSQL the real CLI, a separate connection from its config
   * (as an admin beside a running hub would); PGlite in memory has no second opener, so the
   * command's body runs on the page's own store.
   */
  async function auditorCli(args: string[], stdin = ""): Promise<number> {
    const url = process.env.HUB_TEST_DATABASE_URL;
    if (h.store.kind === "postgresql" && url) {
      const [{ schema }] = (await h.store.query<{ schema: string }>("SELECT current_schema() AS schema")) as [
        { schema: string },
      ];
      const u = new URL(url);
      u.searchParams.set("options", `-c search_path=${schema}`);
      const dir = tempDir();
      const config = join(dir, "config.yaml");
      writeFileSync(config, `hub:\n  database_url: "${u}"\n  data_dir: ${dir}\n`);
      // A host changing auditors of a shared database has the trail's key file (docs/hub.md).
      writeFileSync(join(dir, "auditor-trail.key"), h.trailKey, { mode: 0o600 });
      return (await cli(["hub", "auditor", ...args, "--config", config], { stdin })).code;
    }
    const trail = new AuditorTrail(h.trailKey);
    return auditorCommand(h.store, args[0] as string, args[1] ?? null, cliIo(stdin).io, {
      httpPort: 8444,
      trail,
    });
  }

  it("ends sessions when the auditor is removed or their password changed with `doorward hub auditor`", async () => {
    await client.login();
    const other = new ApiClient(h.base);
    await other.login();
    expect(await auditorCli(["passwd", "ada"], "a new long password\n")).toBe(0);
    expect((await client.request("GET", "/api/doors")).status).toBe(401);
    expect((await other.request("GET", "/api/doors")).status).toBe(401);
    expect((await client.login("ada", "correct horse")).status).toBe(401);
    expect((await client.login("ada", "a new long password")).status).toBe(200);
    expect(await auditorCli(["remove", "ada"])).toBe(0);
    expect((await client.request("GET", "/api/doors")).status).toBe(401);
    expect((await client.login("ada", "a new long password")).status).toBe(401);
  });

  it("ends a session after 30 idle minutes, and after 12 hours however busy", async () => {
    await client.login();
    h.clock.now += 29 * MIN;
    expect((await client.request("GET", "/api/doors")).status).toBe(200);
    h.clock.now += 31 * MIN;
    expect((await client.request("GET", "/api/doors")).status).toBe(401);
    await client.login();
    for (let i = 0; i < 12 * 3; i++) {
      h.clock.now += 20 * MIN;
      const status = (await client.request("GET", "/api/doors")).status;
      if (i < 35) expect(status, `after ${(i + 1) * 20} min`).toBe(200);
      else expect(status).toBe(401);
    }
  });

  it("throttles a name from one address after wrong passwords, unknown names alike, and keeps no typed name", async () => {
    for (let i = 0; i < 3; i++) expect((await client.login("ada", "wrong password")).status).toBe(401);
    const refused = await client.login("ada", "correct horse");
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get("retry-after"))).toBe(300);
    // An unknown name gets the same answers, attempt for attempt.
    const answers: Array<[number, string]> = [];
    for (let i = 0; i < 4; i++) {
      const res = await client.login("nobody", "wrong password");
      answers.push([res.status, ((await res.json()) as { error: string }).error]);
    }
    expect(answers.map((a) => a[0])).toEqual([401, 401, 401, 429]);
    // The real auditor from another address still logs in.
    const elsewhere = new ApiClient(h.base, "127.0.0.2");
    expect((await elsewhere.login()).status).toBe(200);
    // After the throttle, the right password works again from the first address.
    h.clock.now += 301_000;
    expect((await client.login()).status).toBe(200);
    const dump = JSON.stringify(await h.store.query("SELECT * FROM hub_auditor_login_throttles"));
    expect(dump).not.toContain("nobody");
    const sessions = JSON.stringify(await h.store.query("SELECT * FROM hub_auditor_sessions"));
    expect(sessions).not.toContain(client.cookie.split("=")[1]);
  });

  it("runs scrypt once per attempt, at the production cost for unknown names, throttled ones too", async () => {
    const verify = vi.mocked(hasher.verifyPassword);
    verify.mockClear();
    for (let i = 0; i < 5; i++) await client.login("ada", `wrong${i}`);
    for (let i = 0; i < 5; i++) await client.login("nobody", `wrong${i}`);
    expect(verify).toHaveBeenCalledTimes(10);
    const costs = verify.mock.calls.map(([, stored]) => stored.split("$")[1]);
    expect(costs.slice(5)).toEqual(Array(5).fill(String(2 ** 15)));
  });
});
