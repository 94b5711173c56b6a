import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { loadSettingsFile } from "../../src/config/load-settings.js";
import { AuditorAccounts } from "../../src/hub/http/auditor-accounts.js";
import { migrateAuditorTables } from "../../src/hub/http/auditor-schema.js";
import { AuditorTrail } from "../../src/hub/http/auditor-trail.js";
import { checkTrailKey } from "../../src/hub/http/auditor-trail-key.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { openHubStore } from "../../src/hub/store/open-hub-store.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";
import { cliDatabases, hubStoreFactories } from "./hub-stores.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const ME = `os:${userInfo().username}`;
const PASSWORD = "correct horse battery\n";

/**
 * The trail's key (`auditor-trail.key`) codes names into the trail's rows. Reading the trail or
 * the accounts never needs it, so a read never makes one; a change does (first use), but not
 * over rows coded under a key that has gone, unless told to start a new one.
 */
describe.each(cliDatabases())("the auditor trail's key file on $name", (db) => {
  let config: string;
  let keyFile: string;
  beforeEach(async () => {
    const dir = tempDir();
    config = join(dir, "config.yaml");
    writeFileSync(config, await db.yaml(dir));
    keyFile = join(loadSettingsFile(config).hub.data_dir, "auditor-trail.key");
  });
  const run = (args: string[], stdin = "") => cli([...args, "--config", config], { stdin });
  const historyRows = (stdout: string) =>
    stdout
      .trim()
      .split("\n")
      .map((l) => l.split("\t").slice(1));
  /** Two auditors added, then the key file gone (a restore without it, a second host). */
  const twoRowsThenLoseKey = async (): Promise<Buffer> => {
    expect((await run(["hub", "auditor", "add", "ada"], PASSWORD)).code).toBe(0);
    expect((await run(["hub", "auditor", "add", "bob"], PASSWORD)).code).toBe(0);
    const key = readFileSync(keyFile);
    renameSync(keyFile, `${keyFile}.away`);
    return key;
  };

  it("list and history on a fresh data dir make no key file; the first add makes it, 0600", async () => {
    const list = await run(["hub", "auditor", "list"]);
    expect([list.code, list.stdout, list.stderr]).toEqual([0, "", ""]);
    expect(existsSync(keyFile)).toBe(false);
    const history = await run(["hub", "auditor", "history"]);
    expect([history.code, history.stdout, history.stderr]).toEqual([0, "", ""]);
    expect(existsSync(keyFile)).toBe(false);
    const verify = await run(["hub", "verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain("auditor trail: ok, 0 rows, chain intact");
    expect(verify.stdout).not.toContain("auditor trail key");
    expect(existsSync(keyFile)).toBe(false);

    expect((await run(["hub", "auditor", "add", "ada"], PASSWORD)).code).toBe(0);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect((await run(["hub", "verify"])).stdout).toContain("auditor trail key: ok");
  });

  it("with rows but no key, list and history still answer, history says the key is missing, and no file appears", async () => {
    await twoRowsThenLoseKey();
    const list = await run(["hub", "auditor", "list"]);
    expect(list.code).toBe(0);
    expect(list.stdout.split("\n").map((l) => l.split("\t")[0])).toEqual(["ada", "bob", ""]);
    expect(existsSync(keyFile)).toBe(false);

    const history = await run(["hub", "auditor", "history"]);
    expect(history.code).toBe(0);
    // Names come from the names table, which needs no key.
    expect(historyRows(history.stdout)).toEqual([
      ["add", "ada", `by ${ME}`],
      ["add", "bob", `by ${ME}`],
    ]);
    expect(history.stderr).toContain(`auditor trail key: MISSING: ${keyFile} does not exist`);
    expect(history.stderr).toContain("2 rows were coded under it");
    expect(existsSync(keyFile)).toBe(false);
  });

  it("hub verify checks the chain without the key and reports the missing key as a finding (exit 0)", async () => {
    await twoRowsThenLoseKey();
    const verify = await run(["hub", "verify"]);
    expect(verify.stdout).toContain("auditor trail: ok, 2 rows, chain intact");
    expect(verify.stdout).toContain(`auditor trail key: MISSING: ${keyFile} does not exist`);
    expect(verify.code).toBe(0); // the hashed rows are intact: a finding, not a broken trail
    expect(existsSync(keyFile)).toBe(false);
  });

  it("a change over rows whose key is gone is refused, changes nothing, and makes no key", async () => {
    await twoRowsThenLoseKey();
    for (const [args, stdin] of [
      [["add", "carol"], PASSWORD],
      [["passwd", "ada"], "another long password\n"],
      [["remove", "bob"], ""],
    ] as const) {
      const r = await run(["hub", "auditor", ...args], stdin);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr).toContain(`${keyFile} is missing`);
      expect(r.stderr).toContain("--new-trail-key");
      expect(r.stderr).not.toMatch(/\n\s+at /);
    }
    expect(existsSync(keyFile)).toBe(false);
    expect((await run(["hub", "auditor", "list"])).stdout.split("\n").map((l) => l.split("\t")[0])).toEqual([
      "ada",
      "bob",
      "",
    ]);
    expect(historyRows((await run(["hub", "auditor", "history"])).stdout)).toHaveLength(2);

    // The key put back: changes work again under it and verify confirms the names.
    renameSync(`${keyFile}.away`, keyFile);
    expect((await run(["hub", "auditor", "add", "carol"], PASSWORD)).code).toBe(0);
    const verify = await run(["hub", "verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain("auditor trail: ok, 3 rows, chain intact");
    expect(verify.stdout).toContain("auditor trail key: ok");
  });

  it("--new-trail-key starts a new key on purpose; verify then names the rows coded under the old one", async () => {
    const oldKey = await twoRowsThenLoseKey();
    const add = await run(["hub", "auditor", "add", "carol", "--new-trail-key"], PASSWORD);
    expect(add.code).toBe(0);
    expect(add.stderr).toContain("made a new auditor trail key");
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(readFileSync(keyFile).equals(oldKey)).toBe(false);

    const verify = await run(["hub", "verify"]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain("auditor trail: ok, 3 rows, chain intact");
    expect(verify.stdout).toContain("auditor trail key: 2 rows were coded under another key (first: row 1)");
    expect((await run(["hub", "auditor", "history"])).stderr).toContain(
      "auditor trail key: 2 rows were coded under another key",
    );
    // Only for the case it is meant for: not beside a key, not on a read.
    const again = await run(["hub", "auditor", "add", "dan", "--new-trail-key"], PASSWORD);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain(`--new-trail-key: ${keyFile} exists`);
    for (const args of [
      ["hub", "auditor", "list", "--new-trail-key"],
      ["hub", "verify", "--new-trail-key"],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("--new-trail-key");
    }
  });

  it("removing an auditor named under an old key and a new one leaves their name in no table", async () => {
    await twoRowsThenLoseKey();
    expect(
      (await run(["hub", "auditor", "passwd", "ada", "--new-trail-key"], "another long password\n")).code,
    ).toBe(0);
    expect((await run(["hub", "auditor", "remove", "ada"])).code).toBe(0);
    const hub = loadSettingsFile(config).hub;
    const store = await openHubStore({ databaseUrl: hub.database_url, dataDir: hub.data_dir });
    try {
      const names = await store.query<{ name: string }>("SELECT name FROM hub_auditor_trail_names");
      expect(names.map((n) => n.name).sort()).toEqual(["bob", ME, ME].sort()); // the OS user under each key
    } finally {
      await store.close();
    }
    expect(historyRows((await run(["hub", "auditor", "history"])).stdout).map((r) => r[1])).not.toContain(
      "ada",
    );
  });
});

describe.each(hubStoreFactories())("checking the trail's names against its key on $name", (factory) => {
  let store: HubStore;
  let key: Buffer;
  beforeEach(async () => {
    store = await factory.open();
    await migrateAuditorTables(store);
    key = randomBytes(32);
    const accounts = new AuditorAccounts(store, new AuditorTrail(key));
    await accounts.add("ada", "scrypt$a", "os:root");
    await accounts.add("bob", "scrypt$b", "os:alice");
  });
  afterEach(async () => store.close());

  it("confirms the names under the key, and names the first row whose name was edited", async () => {
    expect(await checkTrailKey(store, key)).toEqual({ state: "ok", rows: 2 });
    expect(await checkTrailKey(store, null)).toEqual({ state: "missing", rows: 2 });
    expect(await checkTrailKey(store, randomBytes(32))).toEqual({
      state: "other key",
      rows: 2,
      otherKeyRows: 2,
      firstOtherKeyRow: 1,
    });
    // The names table is not hashed (a removed auditor's entry is deleted): an edit that puts
    // another person behind row 2's code is seen because the code is not theirs under the key.
    await store.query("UPDATE hub_auditor_trail_names SET name = 'os:mallory' WHERE name = 'os:alice'");
    expect(await checkTrailKey(store, key)).toEqual({
      state: "other key",
      rows: 2,
      otherKeyRows: 1,
      firstOtherKeyRow: 2,
    });
  });

  it("has nothing to check on a hub without trail rows, key or not", async () => {
    const empty = await factory.open();
    try {
      expect(await checkTrailKey(empty, null)).toEqual({ state: "no rows", rows: 0 });
      await migrateAuditorTables(empty);
      expect(await checkTrailKey(empty, null)).toEqual({ state: "no rows", rows: 0 });
    } finally {
      await empty.close();
    }
  });
});
