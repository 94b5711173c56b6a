import { chmodSync, mkdirSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { checkDatabase } from "../../src/doctor/checks.js";
import { realDoctorProbes } from "../../src/doctor/real-probes.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

// Issue 10 item 10: in simulator mode the database and WAL were 0644.
let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

const modeOf = (path: string) => statSync(path).mode & 0o777;
const modes = (dir: string) => Object.fromEntries(readdirSync(dir).map((f) => [f, modeOf(join(dir, f))]));

describe("data_dir permissions", () => {
  it("a fresh start (simulator): data_dir 0700, every file in it 0600, the WAL included", async () => {
    const dataDir = join(tempDir(), "data");
    h = await startHarness({ data_dir: dataDir });
    await h.type("9999#");
    const config = writeConfig(tempDir(), dataDir);
    expect((await cli(["user", "add", "eve", "--config", config])).code).toBe(0);
    expect(modeOf(dataDir)).toBe(0o700);
    const files = modes(dataDir);
    expect(Object.keys(files)).toEqual(
      expect.arrayContaining(["doorward.db", "doorward.db-wal", "secret.key"]),
    );
    for (const [file, mode] of Object.entries(files)) expect([file, mode.toString(8)]).toEqual([file, "600"]);
  });

  it("a data_dir restored with loose modes is tightened at start", async () => {
    const dataDir = join(tempDir(), "data");
    mkdirSync(dataDir, { mode: 0o755 });
    chmodSync(dataDir, 0o755);
    writeFileSync(join(dataDir, "backup-notes.txt"), "x");
    chmodSync(join(dataDir, "backup-notes.txt"), 0o644);
    h = await startHarness({ data_dir: dataDir });
    expect(modeOf(dataDir)).toBe(0o700);
    expect(modeOf(join(dataDir, "backup-notes.txt"))).toBe(0o600);
  });

  it("doctor warns on a wrong mode, naming the file", async () => {
    const dataDir = join(tempDir(), "data");
    h = await startHarness({ data_dir: dataDir });
    const good = await checkDatabase(dataDir, join(dataDir, "doorward.db"), realDoctorProbes);
    expect(good.find((r) => r.name === "data_dir permissions")).toMatchObject({ status: "pass" });
    chmodSync(join(dataDir, "doorward.db"), 0o644);
    const results = await checkDatabase(dataDir, join(dataDir, "doorward.db"), realDoctorProbes);
    expect(results.find((r) => r.name === "data_dir permissions")).toMatchObject({
      status: "warn",
      detail: expect.stringContaining(`${join(dataDir, "doorward.db")} is 0644, expected 0600`),
    });
  });
});
