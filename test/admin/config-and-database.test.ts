import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

// Issue 10 item 16: as another user, a 0750 /etc/doorward made the CLI fall back to ./data.
const FIXTURE = join(import.meta.dirname, "../fixtures/resolve-system-config.ts");
const NOBODY = 65534;

/** Runs the fixture as an unprivileged user: root reads any file, so as root the test could not fail. */
function resolveAsNobody(systemPath: string) {
  const node = [process.execPath, "--import", "tsx", FIXTURE, systemPath];
  const argv =
    process.getuid?.() === 0
      ? ["setpriv", `--reuid=${NOBODY}`, `--regid=${NOBODY}`, "--clear-groups", ...node]
      : node;
  return spawnSync(argv[0] as string, argv.slice(1), {
    encoding: "utf8",
    cwd: join(import.meta.dirname, "../.."),
  });
}

describe("an unreadable config is an error, never the defaults (issue 10 item 16)", () => {
  it("a config directory the user may not enter: exit 2 with the path and the reason", () => {
    const etc = tempDir();
    chmodSync(etc, 0o755);
    const dir = join(etc, "doorward");
    mkdirSync(dir);
    writeFileSync(join(dir, "config.yaml"), "door_id: real-door\n");
    chmodSync(dir, 0o000);
    const r = resolveAsNobody(join(dir, "config.yaml"));
    expect(r.stdout).not.toContain("data_dir");
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(join(dir, "config.yaml"));
    expect(r.stderr).toContain("permission denied");
  });

  it("a config file the user may not read: exit 2 with the path and the reason", () => {
    const dir = tempDir();
    chmodSync(dir, 0o755);
    const path = join(dir, "config.yaml");
    writeFileSync(path, "door_id: real-door\n");
    chmodSync(path, 0o000);
    const r = resolveAsNobody(path);
    expect(r.status, r.stderr).toBe(2);
    expect(r.stderr).toContain(path);
    expect(r.stderr).toContain("EACCES");
  });

  it("no system config at all still means the embedded defaults", () => {
    const etc = tempDir();
    chmodSync(etc, 0o755);
    const r = resolveAsNobody(join(etc, "absent", "config.yaml"));
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain("data_dir ./data");
  });
});

describe("only start creates a database (issue 10 item 16)", () => {
  for (const args of [
    ["door", "lockdown", "on"],
    ["user", "add", "eve"],
    ["user", "list"],
    ["log", "tail"],
    ["admin", "list"],
  ]) {
    it(`${args.join(" ")} on a data_dir with no database: exit 1 saying where it looked, nothing created`, async () => {
      const dir = tempDir();
      const dataDir = join(dir, "data");
      const config = join(dir, "config.yaml");
      writeFileSync(config, `data_dir: ${dataDir}\n`);
      const r = await cli([...args, "--config", config]);
      expect(r.code).toBe(1);
      expect(r.stderr).toContain(`no database at ${join(dataDir, "doorward.db")}`);
      expect(r.stderr).toContain(`data_dir from ${config}`);
      expect(r.stdout).toBe("");
      expect(existsSync(dataDir)).toBe(false);
      expect(readdirSync(dir)).toEqual(["config.yaml"]);
    });
  }

  it("the helper used by other CLI tests still finds a database there", async () => {
    const dir = tempDir();
    const config = writeConfig(dir, join(dir, "data"));
    expect((await cli(["user", "add", "eve", "--config", config])).code).toBe(0);
  });
});
