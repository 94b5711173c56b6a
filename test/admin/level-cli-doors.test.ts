import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { cli, writeConfig } from "../helpers/cli.js";
import { doorEntry, keypadReader } from "../helpers/doors.js";
import { startHarness, tempDir } from "../helpers/harness.js";

describe("doorward level and occupancy on a two-door controller", () => {
  it("levels name configured doors only; occupancy lists the door with an out reader", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "data");
    const doors = [
      doorEntry("outer", 4, [keypadReader("outer-in", 0x34, "in"), keypadReader("outer-out", 0x35, "out")]),
      doorEntry("cage", 7, [keypadReader("cage-in", 0x36, "in")]),
    ];
    // The service creates the database; the CLI then works on it.
    const h = await startHarness({ data_dir: dataDir, doors });
    await h.app.stop();
    const cfg = writeConfig(dir, dataDir, stringify({ log_level: "silent", doors }));
    const run = (...args: string[]) => cli([...args, "--config", cfg]);
    const wrong = await run("level", "add", "cage", "--door", "vault");
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/no door 'vault' in the config; doors: outer, cage/);
    expect((await run("level", "add", "cage", "--door", "cage", "--door", "outer")).stdout).toBe(
      "level cage: doors cage, outer; any time\n",
    );
    expect(JSON.parse((await run("occupancy", "--json")).stdout)).toEqual([
      { door: "outer", count: 0, occupants: [] },
    ]);
  });
});
