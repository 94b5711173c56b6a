import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { doorModeKey } from "../../src/store/door-state.js";
import { openDatabase } from "../../src/store/open-database.js";
import { PolicyStore } from "../../src/store/policy-store.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { doorsConfig } from "../helpers/doors.js";
import { tempDir } from "../helpers/harness.js";

function twoDoorConfig() {
  const dir = tempDir();
  const dataDir = join(dir, "data");
  // YAML is a superset of JSON: the doors list goes in as one flow value.
  const config = writeConfig(
    dir,
    dataDir,
    `doors: ${JSON.stringify(doorsConfig(2))}\ninterlocks: [[d0, d1]]\n`,
  );
  return { config, db: join(dataDir, "doorward.db") };
}

describe("door commands on a controller with several doors", () => {
  it("door list names every door with its readers, mode and interlocks", async () => {
    const { config } = twoDoorConfig();
    const r = await cli(["door", "list", "--config", config]);
    expect(r).toMatchObject({ code: 0, stderr: "" });
    expect(r.stdout).toBe(
      "d0\tmode normal\treaders d0-keypad (keypad, in)\n" +
        "d1\tmode normal\treaders d1-keypad (keypad, in)\n" +
        "interlock d0 + d1\n",
    );
    const json = JSON.parse((await cli(["door", "list", "--json", "--config", config])).stdout);
    expect(json.doors.map((d: { id: string }) => d.id)).toEqual(["d0", "d1"]);
  });

  it("a door command without --door is a usage error listing the doors; nothing changes", async () => {
    const { config, db } = twoDoorConfig();
    const r = await cli(["door", "lockdown", "on", "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("this controller has 2 doors; name one with --door (d0, d1)");
    expect(r.stderr).toContain("usage:");
    const unknown = await cli(["door", "mode", "--door", "vault", "--config", config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("no such door 'vault' (doors: d0, d1)");
    const d = openDatabase(db);
    expect(new PolicyStore(d, doorModeKey("d0", true)).mode().mode).toBe("normal");
    expect(new PolicyStore(d, doorModeKey("d1", true)).mode().mode).toBe("normal");
    d.close();
  });

  it("--door sets that door's mode only, and its audit row names the door", async () => {
    const { config, db } = twoDoorConfig();
    const r = await cli(["door", "lockdown", "on", "--door", "d1", "--config", config]);
    expect(r).toMatchObject({ code: 0 });
    expect(r.stdout).toMatch(/^mode lockdown since /);
    const d = openDatabase(db);
    expect(new PolicyStore(d, doorModeKey("d1", true)).mode().mode).toBe("lockdown");
    expect(new PolicyStore(d, doorModeKey("d0", true)).mode().mode).toBe("normal");
    expect(new AuditLog(d, "d0").last()).toMatchObject({ door: "d1", reason: "door_mode_changed" });
    d.close();
  });
});
