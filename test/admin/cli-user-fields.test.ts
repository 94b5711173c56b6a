import { join } from "node:path";
import { beforeEach, describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/open-database.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
/** Anything a terminal would act on or that hides/reorders text. */
const RAW_CONTROL = /(?![\n\t])[\p{Cc}\p{Cf}]/u;

let dir: string;
let config: string;
beforeEach(() => {
  dir = tempDir();
  config = writeConfig(dir, `${dir}/data`);
});
const run = (...args: string[]) => cli([...args, "--config", config]);
const show = async (who: string) => JSON.parse((await run("user", "show", who)).stdout);

describe("until options point forward, --since back (issue 11 item 6)", () => {
  it("--valid-until 7d is a week from now, --agreement-until 2h two hours from now", async () => {
    const before = Date.now();
    expect((await run("user", "add", "temp", "--valid-until", "7d")).code).toBe(0);
    const until = Date.parse((await show("temp")).valid_until);
    expect(until).toBeGreaterThanOrEqual(before + 7 * DAY);
    expect(until).toBeLessThanOrEqual(Date.now() + 7 * DAY);
    expect((await run("user", "set", "temp", "--agreement-until", "2h")).code).toBe(0);
    const agreement = Date.parse((await show("temp")).agreement_until);
    expect(agreement).toBeGreaterThanOrEqual(before + 2 * HOUR);
    expect((await run("user", "set", "temp", "--valid-until", "30m")).code).toBe(0);
    expect(Date.parse((await show("temp")).valid_until)).toBeGreaterThan(Date.now());
  });

  it("an until in the past is refused (exit 2, nothing changed) unless --allow-past", async () => {
    for (const argv of [
      ["user", "add", "late", "--valid-until", "2020-01-01"],
      ["user", "add", "late", "--valid-until", "0m"],
    ]) {
      const r = await run(...argv);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/in the past.*--allow-past/);
    }
    expect((await run("user", "list", "--json")).stdout).toBe("");
    await run("user", "add", "bob");
    const refused = await run("user", "set", "bob", "--agreement-until", "2021-06-01");
    expect(refused.code).toBe(2);
    expect((await show("bob")).agreement_until).toBeNull();
    expect((await run("user", "set", "bob", "--agreement-until", "2021-06-01", "--allow-past")).code).toBe(0);
    expect((await show("bob")).agreement_until).toBe("2021-06-01T00:00:00.000Z");
    expect((await run("user", "add", "old", "--valid-until", "2020-01-01", "--allow-past")).code).toBe(0);
  });

  it("--since 1h still looks back: the rows of the last hour are exported", async () => {
    await run("user", "add", "carol");
    const r = await run("log", "export", "--format", "json", "--since", "1h");
    expect(r.stdout).toContain("user_added");
    const none = await run("log", "export", "--format", "json", "--until", "1h");
    expect(none.stdout).toBe("");
  });
});

describe("user show shows everything an admin can set (issue 11 item 8)", () => {
  it("role, agreement, schedules, validity and credentials", async () => {
    await run("schedule", "add", "office", "--window", "mon-fri 08:00-18:00");
    await run("user", "add", "dora", "--valid-from", "2026-01-01", "--valid-until", "2099-01-01");
    await run(
      "user",
      "set",
      "dora",
      "--schedule",
      "office",
      "--agreement-until",
      "2098-05-01",
      "--role",
      "override",
    );
    await cli(["pin", "set", "dora", "--config", config], { stdin: "482913\n" });
    expect(await show("dora")).toEqual({
      name: "dora",
      user_code: expect.stringMatching(/^u-/),
      enabled: true,
      valid_from: "2026-01-01T00:00:00.000Z",
      valid_until: "2099-01-01T00:00:00.000Z",
      credentials: ["pin"],
      role: "override",
      agreement_until: "2098-05-01T00:00:00.000Z",
      schedules: ["office"],
    });
  });
});

describe("person names (issue 10 item 21)", () => {
  it.each([
    ["NUL", "a\u0000b"],
    ["ESC", "evil\u001b[2J"],
    ["BEL", "ding\u0007"],
    ["newline", "two\nlines"],
    ["tab", "tab\there"],
    ["bidi override", "mallory\u202egnp.exe"],
    ["zero-width only", "\u200b\u200b"],
    ["blank", "   "],
    ["unassigned", "x\u{0378}"],
    ["too long", "n".repeat(101)],
  ])("a name with %s is exit 2 with a clear error, nothing added", async (_what, name) => {
    const r = await run("user", "add", name);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/a name (cannot contain|needs at least|is at most)/);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
    expect((await run("user", "list", "--json")).stdout).toBe("");
  });

  it("names are NFC-normalised and trimmed; 100 characters is fine; either spelling finds the person", async () => {
    expect((await run("user", "add", "  Zoe\u0301 ")).code).toBe(0);
    expect((await show("Zo\u00e9")).name).toBe("Zo\u00e9");
    expect((await show("Zoe\u0301")).name).toBe("Zo\u00e9");
    expect((await run("user", "add", "\u00e9".repeat(100))).code).toBe(0);
  });

  it("a name stored before the rules (raw bytes in the database) never reaches the terminal raw", async () => {
    await run("user", "add", "placeholder");
    const db = openDatabase(join(dir, "data", "doorward.db"));
    db.prepare("UPDATE users SET name = ?").run("mallory\u202egnp.exe\u001b[31m\u0085");
    db.close();
    for (const argv of [
      ["user", "list"],
      ["user", "list", "--json"],
      ["user", "show", "placeholder"],
    ]) {
      const r = await run(...argv);
      expect(r.stdout + r.stderr, argv.join(" ")).not.toMatch(RAW_CONTROL);
    }
    const json = JSON.parse((await run("user", "list", "--json")).stdout);
    expect(json.name).toBe("mallory\u202egnp.exe\u001b[31m\u0085");
    const missing = await run("user", "disable", "x\u001b[2Jy");
    expect(missing.code).toBe(1);
    expect(missing.stderr).not.toMatch(RAW_CONTROL);
  });

  it("admin names with control characters are exit 2", async () => {
    const r = await cli(["admin", "add", "ada\u001b", "--config", config], {
      stdin: "long enough password\n",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toMatch(RAW_CONTROL);
  });
});
