import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/admin/cli.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

/** A config whose data_dir has a database, as after a first start (no other command makes one). */
function config(): string {
  const dir = tempDir();
  const path = join(dir, "config.yaml");
  writeFileSync(path, `data_dir: ${join(dir, "data")}\nlog_level: silent\n`);
  openDatabase(join(dir, "data", "doorward.db")).close();
  return path;
}

async function cli(cfg: string, argv: string[], stdin = "") {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const code = await runCli([...argv, "--config", cfg], {
    stdout,
    stderr,
    stdin: Readable.from([stdin]),
    env: {},
  });
  return { code, out, err };
}

describe("policy CLI", () => {
  it("schedules, holidays, user set, duress, door modes, erase and export with names", async () => {
    const cfg = config();
    expect((await cli(cfg, ["user", "add", "alice"])).code).toBe(0);
    expect(
      (
        await cli(cfg, [
          "schedule",
          "add",
          "office",
          "--window",
          "mon-fri 08:00-18:00",
          "--window",
          "sat 22:00-02:00",
        ])
      ).out,
    ).toMatch(/office: mon 08:00-18:00.*sat 22:00-02:00/);
    expect((await cli(cfg, ["holiday", "add", "2028-02-29", "--name", "leap"])).code).toBe(0);
    expect((await cli(cfg, ["holiday", "list"])).out).toBe("2028-02-29\tleap\n");
    const set = await cli(cfg, [
      "user",
      "set",
      "alice",
      "--schedule",
      "office",
      "--agreement-until",
      "2027-01-01",
      "--role",
      "override",
    ]);
    expect(set).toMatchObject({ code: 0 });
    expect((await cli(cfg, ["duress", "set", "alice"], "9999\n")).out).toMatch(/duress PIN set/);
    expect((await cli(cfg, ["door", "lockdown", "on"])).out).toMatch(/^mode lockdown since .* by os:/);
    expect((await cli(cfg, ["door", "mode"])).out).toMatch(/^mode lockdown/);
    expect((await cli(cfg, ["door", "emergency", "off"])).code).toBe(2);
    expect((await cli(cfg, ["door", "lockdown", "off"])).out).toMatch(/^mode normal/);
    const named = await cli(cfg, ["log", "export", "--format", "json", "--with-names"]);
    expect(named.out).toContain('"name":"alice"');
    expect((await cli(cfg, ["user", "erase", "alice"])).code).toBe(0);
    const after = await cli(cfg, ["log", "export", "--format", "json", "--with-names"]);
    expect(after.out).not.toContain("alice");
    expect((await cli(cfg, ["log", "verify"])).out).toMatch(/^ok:/);
    const policyRows = after.out.split("\n").filter((l) => l.includes('"by":"os:'));
    expect(policyRows.length).toBeGreaterThanOrEqual(7);
  });

  it("bad dates, unknown schedules and conflicting options: one line, exit 2", async () => {
    const cfg = config();
    await cli(cfg, ["user", "add", "bob"]);
    const cases: string[][] = [
      ["holiday", "add", "2026-02-29"],
      ["user", "set", "bob", "--agreement-until", "tomorrow"],
      ["user", "set", "bob", "--schedule", "nope"],
      ["user", "set", "bob", "--schedule", "x", "--no-schedule"],
      ["user", "set", "bob", "--role", "king"],
      ["schedule", "add", "late", "--window", "mon 25:00-26:00"],
      ["log", "export", "--format", "csv", "--pseudonymous", "--with-names"],
      ["door", "lockdown", "maybe"],
    ];
    for (const argv of cases) {
      const r = await cli(cfg, argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.err.split("\n")[0]).toMatch(/^doorward \w+: /);
    }
  });
});
