import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { loadSettingsFile } from "../../src/config/load-settings.js";
import { openHubStore } from "../../src/hub/store/open-hub-store.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";
import { cliDatabases } from "./hub-stores.js";

vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

describe.each(cliDatabases())("doorward hub auditor on $name", (db) => {
  let config: string;
  beforeAll(async () => {
    const dir = tempDir();
    config = join(dir, "config.yaml");
    writeFileSync(config, await db.yaml(dir));
  });
  const run = (args: string[], stdin = "") => cli(["hub", "auditor", ...args, "--config", config], { stdin });

  it("refuses wrong words with exit 2 and the usage, changing nothing", async () => {
    for (const args of [
      [],
      ["grant", "ada"],
      ["add"],
      ["add", "Ada Lovelace"],
      ["list", "ada"],
      ["remove", "a", "b"],
    ]) {
      const r = await run(args);
      expect(r.code, args.join(" ")).toBe(2);
      expect(r.stderr).toContain("doorward hub auditor add NAME");
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    const short = await run(["add", "ada"], "short\n");
    expect(short.code).toBe(2);
    expect(short.stderr).toContain("at least 10 characters");
    expect((await run(["list"])).stdout).toBe("");
  });

  it("adds, lists, changes the password of and removes an auditor, storing only an scrypt hash", async () => {
    const added = await run(["add", "ada"], "correct horse battery\n");
    expect(added.code).toBe(0);
    expect(added.stdout).toContain("auditor ada added");
    expect((await run(["add", "ada"], "correct horse battery\n")).code).toBe(1);
    expect((await run(["list"])).stdout).toBe("ada\tnever logged in\n");
    expect((await run(["passwd", "ada"], "another long password\n")).code).toBe(0);
    expect((await run(["passwd", "bob"], "another long password\n")).stderr).toContain(
      "no such auditor: 'bob'",
    );

    const hub = loadSettingsFile(config).hub;
    const store = await openHubStore({ databaseUrl: hub.database_url, dataDir: hub.data_dir });
    const rows = await store.query<{ password_hash: string }>("SELECT password_hash FROM hub_auditors");
    await store.close();
    expect(rows).toHaveLength(1);
    expect(rows[0]?.password_hash).toMatch(/^scrypt\$32768\$8\$1\$/);
    expect(JSON.stringify(rows)).not.toContain("another long password");

    const removed = await run(["remove", "ada"]);
    expect(removed.code).toBe(0);
    expect(removed.stdout).toContain("their open sessions have ended");
    expect((await run(["remove", "ada"])).code).toBe(1);
    expect((await run(["list"])).stdout).toBe("");
  });
});
