import { spawn } from "node:child_process";
import { existsSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { openDatabase } from "../../src/store/open-database.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

const BIN = join(import.meta.dirname, "../../bin/doorward.js");
const STACK = /^\s+at .+[(:]\d+|Error: .*\n\s+at /m;

let dir: string;
let config: string;
beforeEach(() => {
  dir = tempDir();
  config = writeConfig(dir, `${dir}/data`);
});

/** Runs bin/doorward.js as a real process. */
function spawnCli(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => (stdout += d));
    child.stderr.on("data", (d) => (stderr += d));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

// Every command and subcommand, each with a wrong argument. `alice` exists (added below).
const WRONG: string[][] = [
  ["start", "--bogus"],
  ["start", "extra"],
  ["user"],
  ["user", "frobnicate"],
  ["user", "add"],
  ["user", "add", "a", "b"],
  ["user", "add", "x", "--valid-until", "next tuesday"],
  ["user", "add", "x", "--valid-until", "2020-01-01"],
  ["user", "list", "--json", "extra"],
  ["user", "list", "--valid-until", "7d"],
  ["user", "show"],
  ["user", "show", "alice", "--json"],
  ["user", "disable"],
  ["user", "enable", "a", "b"],
  ["user", "remove"],
  ["user", "set", "alice"],
  ["user", "set", "alice", "--agreement-until", "2h", "--role", "king"],
  ["user", "set", "alice", "--agreement-until", "2001-01-01"],
  ["user", "erase", "alice", "--role", "user"],
  ["schedule"],
  ["schedule", "add", "office"],
  ["schedule", "remove"],
  ["holiday", "add", "2026-02-30"],
  ["holiday"],
  ["duress", "set"],
  ["duress"],
  ["pin"],
  ["pin", "set", "alice", "1234"],
  ["door"],
  ["door", "lockdown", "maybe"],
  ["door", "mode", "extra"],
  ["log"],
  ["log", "tail", "-n", "0"],
  ["log", "tail", "-n", "99999999999999999999"],
  ["log", "export"],
  ["log", "export", "--format", "xml"],
  ["log", "verify", "extra"],
  ["hub", "frobnicate"],
  ["hub", "query", "--format", "xml"],
  ["hub", "enrol"],
  ["hub", "doors", "extra"],
  ["keys", "frobnicate"],
  ["keys", "credential-key"],
  ["keys", "generate", "extra"],
  ["fleet"],
  ["fleet", "add", "g"],
  ["fingerprint"],
  ["fingerprint", "enroll"],
  ["fingerprint", "enroll", "alice", "--slot", "x"],
  ["fingerprint", "enroll", "alice", "--slot", "99999"],
  ["fingerprint", "check", "extra"],
  ["badge"],
  ["badge", "add", "alice", "abc"],
  ["badge", "remove"],
  ["badge", "add", "alice", "1:2:3"],
  ["osdp"],
  ["osdp", "install"],
  ["osdp", "install", "no-such-reader"],
  ["osdp", "frobnicate"],
  ["admin"],
  ["admin", "add"],
  ["admin", "add", "Bad Name"],
  ["admin", "list", "extra"],
  ["doctor", "--bogus"],
  ["level"],
  ["level", "add", "cage"],
  ["level", "add", "cage", "--door", "vault"],
  ["level", "add", "cage", "--door", "records-room", "--schedule", "nope"],
  ["level", "list", "extra"],
  ["passback"],
  ["passback", "forgive"],
  ["passback", "forgive", "alice", "--door", "vault"],
  ["occupancy", "now"],
  ["user", "set", "alice", "--level", "nope"],
  ["user", "set", "alice", "--level", "a", "--no-level"],
  ["frobnicate"],
];

describe("wrong arguments: exit 2, usage on stderr, no stack trace, nothing changed", () => {
  it("every command, in process", async () => {
    expect((await cli(["user", "add", "alice", "--config", config])).code).toBe(0);
    const before = await cli(["log", "export", "--format", "json", "--config", config]);
    for (const argv of WRONG) {
      const r = await cli([...argv, "--config", config]);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.stderr, argv.join(" ")).toMatch(/usage:/);
      expect(r.stderr, argv.join(" ")).not.toMatch(STACK);
      expect(r.stdout, argv.join(" ")).toBe("");
    }
    // Nothing was written by any of them.
    expect((await cli(["log", "export", "--format", "json", "--config", config])).stdout).toBe(before.stdout);
    // Every top-level command appears in the table.
    const { USAGE } = await import("../../src/admin/cli.js");
    const commands = new Set([...USAGE.matchAll(/doorward (\w+)/g)].map((m) => m[1]));
    for (const c of commands)
      expect(
        WRONG.some((a) => a[0] === c),
        c,
      ).toBe(true);
  });

  it("the real CLI process prints no stack trace either", async () => {
    const results = await Promise.all(
      [
        ["user", "list", "--json", "extra"],
        ["badge", "add", "alice", "abc"],
        ["log", "tail", "-n", "99999999999999999999"],
      ].map((argv) => spawnCli([...argv, "--config", config])),
    );
    for (const r of results) {
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/usage:/);
      expect(r.stderr).not.toMatch(STACK);
    }
  });
});

describe("exit codes and one-line errors", () => {
  it("log tail -n beyond the limit names the limit", async () => {
    const r = await cli(["log", "tail", "-n", "99999999999999999999", "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("1 to 100000");
  });

  it("a YAML alias bomb in the config is exit 2, too many aliases", async () => {
    const bomb = join(dir, "bomb.yaml");
    const lines = ['a: &a ["x","x","x","x","x","x","x","x","x"]'];
    for (let i = 1; i < 9; i++) {
      const prev = String.fromCharCode(96 + i);
      const name = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(9).fill(`*${prev}`).join(",")}]`);
    }
    writeFileSync(bomb, `${lines.join("\n")}\n`);
    const r = await cli(["user", "list", "--config", bomb]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("too many aliases");
    expect(r.stderr).not.toMatch(STACK);
  });

  it("badge add with a non-numeric number is exit 2", async () => {
    await cli(["user", "add", "alice", "--config", config]);
    const r = await cli(["badge", "add", "alice", "abc", "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("decimal digits");
  });

  it("fingerprint enroll --slot beyond the sensor is exit 2 at once, naming its capacity", async () => {
    await cli(["user", "add", "alice", "--config", config]);
    const unknown = await cli(["fingerprint", "enroll", "alice", "--slot", "99999", "--config", config]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("at most 1000 templates");
    // Once the service has reached the sensor, its real library size is the limit.
    const db = new Database(join(dir, "data", "doorward.db"));
    db.prepare("INSERT INTO kv (key, value) VALUES ('fingerprint.library_size', '200')").run();
    db.close();
    const known = await cli(["fingerprint", "enroll", "alice", "--slot", "200", "--config", config]);
    expect(known.code).toBe(2);
    expect(known.stderr).toContain("the sensor holds 200 templates (slots 0..199)");
    const rows = await cli(["log", "export", "--format", "json", "--config", config]);
    expect(rows.stdout).not.toContain("fingerprint");
  });

  it("keys generate --out creates a missing folder (0700)", async () => {
    const out = join(dir, "keys", "admin");
    const r = await cli(["keys", "generate", "--out", out, "--config", config]);
    expect(r.code).toBe(0);
    expect(existsSync(join(out, "admin.key"))).toBe(true);
    expect(statSync(out).mode & 0o777).toBe(0o700);
    expect(statSync(join(out, "admin.key")).mode & 0o777).toBe(0o600);
  });

  it("log export into a pipe closed early (| head) ends quietly with exit 0", async () => {
    // Far more rows than a pipe buffer holds.
    await cli(["user", "list", "--config", config]);
    const db = openDatabase(join(dir, "data", "doorward.db"));
    const audit = new AuditLog(db, "door");
    db.transaction(() => {
      for (let i = 0; i < 3000; i++) audit.append({ kind: "system", reason: "filler", detail: { i } }, i);
    })();
    db.close();
    const child = spawn(process.execPath, [BIN, "log", "export", "--format", "json", "--config", config], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stderr = "";
    child.stderr.on("data", (d) => (stderr += d));
    // Like `head -1`: read the first chunk, then close the read end.
    await new Promise<void>((resolve) => child.stdout.once("data", () => resolve()));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(stderr).not.toMatch(STACK);
    expect(stderr).not.toContain("EPIPE");
    expect(code).toBe(0);
  });
});
