import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/open-database.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

// Issue 10 item 8: `user erase` must leave the name in no file under data_dir. Checked on the
// bytes of every file, as `strings -a data/* | grep` would, never through SQL.
const NAME = "Quintessa Vandermolen";

function filesHoldingName(dir: string): string[] {
  const found: string[] = [];
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) found.push(...filesHoldingName(path));
    else if (readFileSync(path).includes(Buffer.from("Quintessa"))) found.push(entry);
  }
  return found;
}

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

describe("user erase leaves the name in no file (issue 10 item 8)", () => {
  it("with the service running (its connection open): not in the database, not in the WAL", async () => {
    h = await startHarness();
    const config = writeConfig(tempDir(), h.settings.data_dir);
    expect((await cli(["user", "add", NAME, "--config", config])).code).toBe(0);
    // The name reaches the main file too, as it would after any automatic checkpoint.
    h.app.services.db.pragma("wal_checkpoint(TRUNCATE)");
    expect((await cli(["user", "add", "Someone Else", "--config", config])).code).toBe(0);
    expect(filesHoldingName(h.settings.data_dir).length).toBeGreaterThan(0);
    const r = await cli(["user", "erase", NAME, "--config", config]);
    expect(r.code, r.stderr).toBe(0);
    expect(filesHoldingName(h.settings.data_dir)).toEqual([]);
    // The service goes on writing afterwards.
    await h.type("9999#");
    expect(h.app.services.audit.last()?.reason).toBe("unknown_credential");
  });

  it("with the service stopped", async () => {
    h = await startHarness();
    const dataDir = h.settings.data_dir;
    await h.app.stop();
    h = undefined;
    const config = writeConfig(tempDir(), dataDir);
    expect((await cli(["user", "add", NAME, "--config", config])).code).toBe(0);
    expect((await cli(["user", "add", "Someone Else", "--config", config])).code).toBe(0);
    expect(filesHoldingName(dataDir).length).toBeGreaterThan(0);
    expect((await cli(["user", "erase", NAME, "--config", config])).code).toBe(0);
    expect(filesHoldingName(dataDir)).toEqual([]);
  });

  it("every connection runs with secure_delete on", () => {
    const path = join(tempDir(), "d.db");
    const db = openDatabase(path);
    expect(db.pragma("secure_delete", { simple: true })).toBe(1);
    db.close();
    // A second connection (the CLI next to the service) too: the pragma is per connection.
    const again = openDatabase(path);
    expect(again.pragma("secure_delete", { simple: true })).toBe(1);
    again.close();
    const plain = new Database(path);
    expect(plain.pragma("secure_delete", { simple: true })).toBe(0); // SQLite's default, hence the pragma
    plain.close();
  });
});
