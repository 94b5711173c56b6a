import { beforeEach, describe, expect, it } from "vitest";
import { cli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

let config: string;
beforeEach(() => {
  const dir = tempDir();
  config = writeConfig(dir, `${dir}/data`);
});

describe("doorward user / pin", () => {
  it("adds, lists, shows, disables, enables and removes a user", async () => {
    const added = await cli(["user", "add", "Grace Hopper", "--config", config]);
    expect(added.code).toBe(0);
    const code = /u-[0-9A-Z]{6}/.exec(added.stdout)?.[0];
    expect(code).toBeDefined();
    const list = await cli(["user", "list", "--json", "--config", config]);
    expect(JSON.parse(list.stdout.trim())).toMatchObject({
      name: "Grace Hopper",
      user_code: code,
      enabled: true,
      credentials: [],
    });
    expect((await cli(["user", "disable", code as string, "--config", config])).code).toBe(0);
    expect(
      JSON.parse((await cli(["user", "show", "Grace Hopper", "--config", config])).stdout),
    ).toMatchObject({ enabled: false });
    expect((await cli(["user", "enable", "Grace Hopper", "--config", config])).code).toBe(0);
    expect((await cli(["user", "remove", "Grace Hopper", "--config", config])).code).toBe(0);
    expect((await cli(["user", "list", "--json", "--config", config])).stdout).toBe("");
  });

  it("sets a PIN from stdin and never accepts it on the command line", async () => {
    await cli(["user", "add", "ada", "--config", config]);
    const viaArgv = await cli(["pin", "set", "ada", "1234", "--config", config]);
    expect(viaArgv.code).toBe(2);
    expect(viaArgv.stderr).toContain("never an argument");
    const ok = await cli(["pin", "set", "ada", "--config", config], { stdin: "482913\n" });
    expect(ok.code).toBe(0);
    expect(ok.stdout).not.toContain("482913");
    const show = await cli(["user", "show", "ada", "--config", config]);
    expect(JSON.parse(show.stdout).credentials).toEqual(["pin"]);
    const short = await cli(["pin", "set", "ada", "--config", config], { stdin: "12\n" });
    expect(short.code).toBe(1);
    expect(short.stderr).toContain("4 to 8 digits");
  });

  it("refuses a PIN already held by someone else without naming them", async () => {
    await cli(["user", "add", "ada", "--config", config]);
    await cli(["user", "add", "bob", "--config", config]);
    await cli(["pin", "set", "ada", "--config", config], { stdin: "5555\n" });
    const dup = await cli(["pin", "set", "bob", "--config", config], { stdin: "5555\n" });
    expect(dup.code).toBe(1);
    expect(dup.stderr).not.toContain("ada");
  });

  it("an unknown user is a one-line error with exit 1", async () => {
    const r = await cli(["user", "disable", "nobody", "--config", config]);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).toContain("no such user: 'nobody'");
  });

  it.each([
    [["frobnicate"]],
    [["user"]],
    [["user", "add"]],
    [["user", "add", "x", "--bogus"]],
    [["user", "add", "x", "--valid-until", "next tuesday"]],
    [["log", "export"]],
    [["log", "export", "--format", "xml"]],
    [["log", "tail", "-n", "zero"]],
  ])("wrong arguments %j print usage and exit 2, changing nothing", async (args) => {
    const r = await cli([...args, "--config", config]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/usage|expected|unknown/i);
    expect((await cli(["user", "list", "--json", "--config", config])).stdout).toBe("");
  });

  it("every change is itself an audit event naming who made it, with no secret in it", async () => {
    await cli(["user", "add", "quinn", "--config", config]);
    await cli(["pin", "set", "quinn", "--config", config], { stdin: "918273\n" });
    const log = await cli(["log", "export", "--format", "json", "--config", config]);
    const rows = log.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(rows.map((r) => r.reason)).toEqual(["user_added", "pin_set"]);
    expect(rows[0].detail.by).toMatch(/^os:/);
    expect(log.stdout).not.toContain("918273");
    expect(log.stdout).not.toContain("quinn");
  });
});
