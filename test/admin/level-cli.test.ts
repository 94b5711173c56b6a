import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { openDatabase } from "../../src/store/open-database.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

function setup() {
  const dir = tempDir();
  const dataDir = join(dir, "data");
  const cfg = writeConfig(dir, dataDir, "log_level: silent\n");
  const run = (...args: string[]) => cli([...args, "--config", cfg]);
  const rows = () => {
    const db = openDatabase(join(dataDir, "doorward.db"));
    try {
      return new AuditLog(db, "x").tail(1000);
    } finally {
      db.close();
    }
  };
  return { run, rows, dataDir };
}

describe("doorward level", () => {
  it("add, list, change, remove: each change is one audit row naming the actor", async () => {
    const { run, rows } = setup();
    expect((await run("schedule", "add", "office", "--window", "mon-fri 08:00-18:00")).code).toBe(0);
    const add = await run("level", "add", "records", "--door", "records-room", "--schedule", "office");
    expect(add).toMatchObject({ code: 0, stdout: "level records: doors records-room; schedule office\n" });
    expect(rows().at(-1)).toMatchObject({
      kind: "system",
      reason: "access_level_added",
      detail: { level: "records", doors: ["records-room"], schedule: "office" },
    });
    expect(rows().at(-1)?.detail?.by).toMatch(/^os:/);
    expect((await run("level", "list")).stdout).toBe(
      "LEVEL\tDOORS\tSCHEDULE\tHOLDERS\nrecords\trecords-room\toffice\t0\n",
    );
    expect((await run("level", "add", "records", "--door", "records-room")).code).toBe(0);
    expect(rows().at(-1)).toMatchObject({ reason: "access_level_changed", detail: { schedule: null } });
    expect(JSON.parse((await run("level", "list", "--json")).stdout)).toEqual([
      { name: "records", doors: ["records-room"], schedule: null, holders: 0 },
    ]);
    expect((await run("level", "remove", "records")).code).toBe(0);
    expect(rows().at(-1)).toMatchObject({ reason: "access_level_removed", detail: { level: "records" } });
    expect((await run("level", "list")).stdout).toBe("LEVEL\tDOORS\tSCHEDULE\tHOLDERS\n");
  });

  it("wrong arguments: exit 2 with usage, nothing changed, no audit row", async () => {
    const { run, rows } = setup();
    await run("user", "add", "alice");
    const before = rows().length;
    const cases: Array<[string[], RegExp]> = [
      [["level", "grant"], /unknown level command 'grant'/],
      [["level", "add", "cage"], /at least one --door/],
      [["level", "add", "cage", "--door", "vault"], /no door 'vault' in the config; doors: records-room/],
      [["level", "add", "Cage!", "--door", "records-room"], /level name/],
      [["level", "add", "cage", "--door", "records-room", "--schedule", "nope"], /no such schedule 'nope'/],
      [["level", "remove", "cage", "--door", "records-room"], /only go with add/],
      [["level", "list", "extra"], /wrong number of arguments/],
      [["user", "set", "alice", "--level", "nope"], /no such access level 'nope'/],
      [["user", "set", "alice", "--level", "a", "--no-level"], /conflict/],
      [["passback", "forgive"], /exactly one USER/],
      [["passback", "forgive", "alice", "--door", "vault"], /no door 'vault'/],
      [["passback", "pardon", "alice"], /unknown passback command/],
      [["occupancy", "now"], /no arguments/],
    ];
    for (const [args, message] of cases) {
      const r = await run(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toMatch(/usage:|^doorward/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    }
    expect(rows().length).toBe(before);
  });

  it("people hold levels; a held level or a schedule used by a level cannot be removed (exit 1, no row)", async () => {
    const { run, rows } = setup();
    await run("user", "add", "alice");
    await run("schedule", "add", "office", "--window", "mon-fri 08:00-18:00");
    await run("level", "add", "records", "--door", "records-room", "--schedule", "office");
    const set = await run("user", "set", "alice", "--level", "records");
    expect(set.code).toBe(0);
    const changed = rows().at(-1);
    expect(changed).toMatchObject({ reason: "user_levels_changed", detail: { levels: ["records"] } });
    expect(changed?.userCode).toMatch(/^u-/);
    expect(JSON.stringify(changed)).not.toContain("alice"); // the log carries the user code, never the name
    const before = rows().length;
    const removeHeld = await run("level", "remove", "records");
    expect(removeHeld).toMatchObject({ code: 1 });
    expect(removeHeld.stderr).toMatch(/held by 1 user\(s\)/);
    const removeSchedule = await run("schedule", "remove", "office");
    expect(removeSchedule.code).toBe(1);
    expect(removeSchedule.stderr).toMatch(/used by 1 access level/);
    expect(rows().length).toBe(before);
    expect((await run("user", "set", "alice", "--no-level")).code).toBe(0);
    expect(rows().at(-1)).toMatchObject({ reason: "user_levels_changed", detail: { levels: [] } });
    expect((await run("level", "remove", "records")).code).toBe(0);
  });

  it("passback forgive is audited; occupancy lists each door (nobody inside here)", async () => {
    const { run, rows } = setup();
    await run("user", "add", "alice");
    const forgive = await run("passback", "forgive", "alice");
    expect(forgive.code).toBe(0);
    expect(rows().at(-1)).toMatchObject({ kind: "system", reason: "passback_forgiven" });
    expect((await run("passback", "forgive", "alice", "--door", "records-room")).code).toBe(0);
    expect(rows().at(-1)).toMatchObject({ reason: "passback_forgiven", detail: { door: "records-room" } });
    expect((await run("passback", "forgive", "nobody")).code).toBe(1);
    // The one-door file's readers have no direction: nothing is counted, and it says so.
    expect(JSON.parse((await run("occupancy", "--json")).stdout)).toEqual([]);
    expect((await run("occupancy")).stdout).toMatch(/^no door records leaving/);
  });
});
