import { randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { ActorCodes } from "../../src/audit/actor-codes.js";
import { loadSettingsFile } from "../../src/config/load-settings.js";
import { AuditorAccounts } from "../../src/hub/http/auditor-accounts.js";
import { migrateAuditorTables } from "../../src/hub/http/auditor-schema.js";
import { AuditorTrail, readTrail, verifyAuditorTrail } from "../../src/hub/http/auditor-trail.js";
import type { HubStore, Sql } from "../../src/hub/store/hub-store.js";
import { openHubStore } from "../../src/hub/store/open-hub-store.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";
import { cliDatabases, hubStoreFactories } from "./hub-stores.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const NAME = "grace.hopper";
const ME = `os:${userInfo().username}`;

/** Every row of every table of the hub's schema, as text: where a name could still be. */
async function dumpAllTables(sql: Sql): Promise<string> {
  const tables = await sql.query<{ name: string }>(
    "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'",
  );
  expect(tables.map((t) => t.name)).toContain("hub_auditor_trail_names");
  let dump = "";
  for (const { name } of tables) {
    const rows = await sql.query<{ row: string }>(`SELECT t::text AS row FROM ${name} t`);
    dump += rows.map((r) => `${name}: ${r.row}\n`).join("");
  }
  return dump;
}

describe.each(cliDatabases())("doorward hub auditor history on $name", (db) => {
  let config: string;
  beforeAll(async () => {
    const dir = tempDir();
    config = join(dir, "config.yaml");
    writeFileSync(config, await db.yaml(dir));
  });
  const run = (args: string[], stdin = "") => cli([...args, "--config", config], { stdin });
  const withStore = async <T>(fn: (s: HubStore) => Promise<T>): Promise<T> => {
    const hub = loadSettingsFile(config).hub;
    const store = await openHubStore({ databaseUrl: hub.database_url, dataDir: hub.data_dir });
    try {
      return await fn(store);
    } finally {
      await store.close();
    }
  };

  it("refuses wrong words for history with exit 2 and the usage", async () => {
    for (const [args, message] of [
      [["hub", "auditor", "history", NAME], "hub auditor history: takes no NAME"],
      [["hub", "auditor", "history", "--bogus"], "Unknown option '--bogus'"],
    ] as const) {
      const r = await run([...args]);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain(message);
      expect(r.stderr).toContain("doorward hub auditor history");
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
  });

  it("keeps add, passwd and remove in order with who did it; a refused change leaves no row", async () => {
    expect((await run(["hub", "auditor", "remove", NAME])).code).toBe(1); // unknown: no row
    expect((await run(["hub", "auditor", "add", NAME], "correct horse battery\n")).code).toBe(0);
    expect((await run(["hub", "auditor", "add", NAME], "correct horse battery\n")).code).toBe(1); // exists
    expect((await run(["hub", "auditor", "passwd", NAME], "another long password\n")).code).toBe(0);
    const named = (await run(["hub", "auditor", "history"])).stdout.trim().split("\n");
    expect(named.map((l) => l.split("\t").slice(1))).toEqual([
      ["add", NAME, `by ${ME}`],
      ["passwd", NAME, `by ${ME}`],
    ]);
    expect((await run(["hub", "auditor", "remove", NAME])).code).toBe(0);

    const hub = loadSettingsFile(config).hub;
    const keyFile = join(hub.data_dir, "auditor-trail.key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    const codes = new ActorCodes(readFileSync(keyFile));
    const auditorCode = codes.code(`web:${NAME}`);
    const { rows, dump } = await withStore(async (s) => ({
      rows: await s.query<{ action: string; auditor_code: string; actor_code: string }>(
        "SELECT action, auditor_code, actor_code FROM hub_auditor_trail ORDER BY id",
      ),
      dump: await dumpAllTables(s),
    }));
    expect(rows).toEqual(
      ["add", "passwd", "remove"].map((action) => ({
        action,
        auditor_code: auditorCode,
        actor_code: codes.code(ME),
      })),
    );
    // The removed auditor's name is in no table; the trail still shows their code.
    expect(dump).toContain(auditorCode);
    expect(dump).not.toContain(NAME);
    const history = (await run(["hub", "auditor", "history"])).stdout.trim().split("\n");
    expect(history.map((l) => l.split("\t").slice(1))).toEqual(
      ["add", "passwd", "remove"].map((action) => [action, auditorCode, `by ${ME}`]),
    );
    expect(history[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z\t/);
  });

  it("hub verify checks the trail and names an edited row", async () => {
    const ok = await run(["hub", "verify"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain("auditor trail: ok, 3 rows, chain intact");
    await withStore(async (s) => {
      // The table refuses edits; someone owning the database can switch that off first.
      await expect(s.query("UPDATE hub_auditor_trail SET action = 'add' WHERE id = 3")).rejects.toThrow(
        /append-only/,
      );
      await s.query("ALTER TABLE hub_auditor_trail DISABLE TRIGGER USER");
      await s.query("UPDATE hub_auditor_trail SET action = 'passwd' WHERE id = 3");
    });
    const broken = await run(["hub", "verify"]);
    expect(broken.code).toBe(1);
    expect(broken.stdout).toContain("auditor trail: BROKEN at row 3: altered (2 rows before it are intact)");
  });
});

describe.each(hubStoreFactories())("auditor trail on $name", (factory) => {
  let store: HubStore;
  let now: number;
  let trail: AuditorTrail;
  beforeEach(async () => {
    store = await factory.open();
    await migrateAuditorTables(store);
    now = Date.parse("2026-12-01T10:00:00.000Z");
    trail = new AuditorTrail(randomBytes(32), () => now);
  });
  afterEach(async () => store.close());

  const count = async () =>
    Number((await store.query<{ n: number }>("SELECT count(*)::int AS n FROM hub_auditor_trail"))[0]?.n);

  /** The store, with the trail's own insert failing: the change in front of it must not stay. */
  const failingTrail = (): HubStore => ({
    ...store,
    transaction: (fn) =>
      store.transaction((tx) =>
        fn({
          query: (text, params) =>
            /INSERT INTO hub_auditor_trail /.test(text)
              ? Promise.reject(new Error("disk full"))
              : tx.query(text, params),
        }),
      ),
  });

  it("a change whose trail row fails is not made, and a failed change writes no row", async () => {
    await expect(
      new AuditorAccounts(failingTrail(), trail).add("ada", "scrypt$old", "os:root"),
    ).rejects.toThrow("disk full");
    expect(await store.query("SELECT name FROM hub_auditors")).toEqual([]);
    const accounts = new AuditorAccounts(store, trail);
    await accounts.add("ada", "scrypt$old", "os:root");
    await expect(
      new AuditorAccounts(failingTrail(), trail).setPassword("ada", "scrypt$new", "os:root"),
    ).rejects.toThrow("disk full");
    expect((await accounts.find("ada"))?.passwordHash).toBe("scrypt$old");
    await expect(accounts.remove("nobody", "os:root")).rejects.toThrow("no such auditor");
    await expect(accounts.setPassword("nobody", "scrypt$x", "os:root")).rejects.toThrow("no such auditor");
    expect(await count()).toBe(1);
  });

  it("changes made at once (several CLIs on one PostgreSQL) all commit, on one intact chain", async () => {
    const names = ["ada", "bob", "cy", "dee", "eve"];
    await Promise.all(names.map((n) => new AuditorAccounts(store, trail).add(n, "scrypt$x", "os:root")));
    expect(await verifyAuditorTrail(store)).toEqual({ ok: true, checked: names.length });
    expect((await readTrail(store)).map((e) => e.auditor).sort()).toEqual(names);
  });

  it("verification names an edited, a removed or a re-linked row", async () => {
    const accounts = new AuditorAccounts(store, trail);
    await accounts.add("ada", "scrypt$a", "os:root");
    now += 60_000;
    await accounts.setPassword("ada", "scrypt$b", "os:alice");
    now += 60_000;
    await accounts.remove("ada", "os:root");
    expect(await verifyAuditorTrail(store)).toEqual({ ok: true, checked: 3 });
    expect((await readTrail(store)).map((e) => [e.ts, e.action, e.by])).toEqual([
      ["2026-12-01T10:00:00.000Z", "add", "os:root"],
      ["2026-12-01T10:01:00.000Z", "passwd", "os:alice"],
      ["2026-12-01T10:02:00.000Z", "remove", "os:root"],
    ]);
    await expect(store.query("DELETE FROM hub_auditor_trail WHERE id = 2")).rejects.toThrow(/append-only/);

    await store.query("ALTER TABLE hub_auditor_trail DISABLE TRIGGER USER");
    await store.query("UPDATE hub_auditor_trail SET ts = ts + interval '1 hour' WHERE id = 1");
    expect(await verifyAuditorTrail(store)).toMatchObject({
      ok: false,
      firstBad: { id: 1, problem: "altered" },
    });
    await store.query("UPDATE hub_auditor_trail SET ts = ts - interval '1 hour' WHERE id = 1");
    await store.query("UPDATE hub_auditor_trail SET prev_hash = $1 WHERE id = 3", ["f".repeat(64)]);
    expect(await verifyAuditorTrail(store)).toMatchObject({
      ok: false,
      firstBad: { id: 3, problem: "broken link" },
    });
    await store.query("DELETE FROM hub_auditor_trail WHERE id = 1");
    expect(await verifyAuditorTrail(store)).toMatchObject({
      ok: false,
      firstBad: { id: 2, problem: "missing row" },
    });
  });
});
