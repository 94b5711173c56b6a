import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { doorsOf } from "../../src/config/doors.js";
import { parseSettings } from "../../src/config/load-settings.js";
import { cli } from "../helpers/cli.js";
import { configProblemsOf as problemsOf } from "../helpers/config-problems.js";
import { doorEntry } from "../helpers/doors.js";
import { tempDir } from "../helpers/harness.js";

describe("badge.wiegand.formats", () => {
  it("defaults to both formats, as before the setting existed", () => {
    expect(parseSettings({}).badge.wiegand.formats).toEqual(["W26", "W34"]);
    expect(parseSettings({ badge: { wiegand: { d0_line: 5 } } }).badge.wiegand.formats).toEqual([
      "W26",
      "W34",
    ]);
  });

  it("takes a list, or a single format name", () => {
    expect(parseSettings({ badge: { wiegand: { formats: ["W34"] } } }).badge.wiegand.formats).toEqual([
      "W34",
    ]);
    expect(parseSettings({ badge: { wiegand: { formats: "W26" } } }).badge.wiegand.formats).toEqual(["W26"]);
    expect(parseSettings({ badge: { wiegand: { formats: ["W34", "W34"] } } }).badge.wiegand.formats).toEqual([
      "W34",
    ]);
  });

  it("an unknown format name, or none at all, is a config error naming the key", () => {
    expect(problemsOf({ badge: { wiegand: { formats: ["W35"] } } })).toEqual([
      'badge.wiegand.formats.0: expected one of "W26", "W34"',
    ]);
    expect(problemsOf({ badge: { wiegand: { formats: "h10306" } } })).toEqual([
      'badge.wiegand.formats.0: expected one of "W26", "W34"',
    ]);
    expect(problemsOf({ badge: { wiegand: { formats: [] } } })).toEqual([
      "badge.wiegand.formats: expected a value >= 1",
    ]);
  });

  it("a badge reader of a door takes it too, and is checked the same way", () => {
    const reader = { id: "r", kind: "badge", wiegand: { d0_line: 5, d1_line: 6, formats: ["W34"] } };
    const doors = doorsOf(parseSettings({ doors: [doorEntry("a", 17, [reader])] }));
    expect(doors[0]?.readers[0]).toMatchObject({ wiegand: { formats: ["W34"] } });
    const bad = { ...reader, wiegand: { d0_line: 5, d1_line: 6, formats: ["W36"] } };
    expect(problemsOf({ doors: [doorEntry("a", 17, [bad])] })).toEqual([
      'doors.0.readers.0.wiegand.formats.0: expected one of "W26", "W34"',
    ]);
  });

  it("an unknown format stops the CLI like any config error: exit 2, the key named, no stack trace", async () => {
    const path = join(tempDir(), "config.yaml");
    writeFileSync(path, "badge:\n  wiegand:\n    formats: [W34, W99]\n");
    const r = await cli(["start", "--simulate", "--config", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('badge.wiegand.formats.1: expected one of "W26", "W34"');
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});
