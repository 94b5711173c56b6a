import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadSettingsFile, parseSettings } from "../../src/config/load-settings.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

function configFile(text: string): string {
  const path = join(tempDir(), "config.yaml");
  writeFileSync(path, text);
  return path;
}

function problemsOf(text: string): string[] {
  try {
    loadSettingsFile(configFile(text));
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}

describe("configuration", () => {
  it("an empty file gives the embedded defaults", () => {
    const s = loadSettingsFile(configFile(""));
    expect(s).toMatchObject({
      door_id: "records-room",
      data_dir: "./data",
      hardware: { backend: "simulated" },
      door: { unlock_ms: 5000, held_open_s: 30 },
      lockout: { max_failures: 5, base_s: 30, max_s: 900 },
      pin: { min_length: 4, max_length: 8 },
    });
  });

  it("names the key and the expected value for each problem", () => {
    expect(problemsOf("door:\n  unlock_ms: soon\n")).toEqual(["door.unlock_ms: expected number"]);
    expect(problemsOf("hardware:\n  backend: arduino\n")).toEqual([
      'hardware.backend: expected one of "simulated", "pi"',
    ]);
    expect(problemsOf("lockout:\n  max_failures: 0\n")).toEqual([
      "lockout.max_failures: expected a value >= 1",
    ]);
    expect(problemsOf("gpio:\n  relay:\n    line: 17\n    activ_low: true\n")).toEqual([
      "gpio.relay: unknown key 'activ_low'",
    ]);
    expect(problemsOf("pin:\n  min_length: 8\n  max_length: 6\n")).toEqual([
      "pin.min_length: must not exceed pin.max_length",
    ]);
  });

  it("reports YAML syntax errors with a line number", () => {
    const problems = problemsOf("door:\n  unlock_ms: [1, 2\n");
    expect(problems[0]).toMatch(/^YAML syntax at line \d+/);
  });

  it("a missing file is a readable error", () => {
    expect(() => loadSettingsFile("/nonexistent/doorward.yaml")).toThrow(/cannot read file: ENOENT/);
  });

  it("settings are a value: parsing twice gives independent objects", () => {
    const a = parseSettings({});
    const b = parseSettings({});
    a.door.unlock_ms = 1;
    expect(b.door.unlock_ms).toBe(5000);
  });

  it("a corrupt config stops the CLI with the problems listed, exit 2, and no stack trace", async () => {
    const path = configFile("door_id: Records Room!\nlockout: {max_s: -1}\n");
    const r = await cli(["start", "--simulate", "--config", path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("door_id:");
    expect(r.stderr).toContain("lockout.max_s: expected a value >= 1");
    expect(r.stderr).not.toMatch(/\bat .*\.ts:\d+/);
  });
});

describe("MQTT topic prefixes", () => {
  it("a door whose topics would overlap the fleet's is refused, naming the key", () => {
    expect(() => parseSettings({ door_id: "fleet" })).toThrow(
      /door_id: the door's MQTT topics \(doorward\/fleet\)/,
    );
    expect(() => parseSettings({ mqtt: { prefix: "doorward/fleet/x" } })).toThrow(/mqtt\.prefix:/);
    expect(parseSettings({ door_id: "fleet-room" }).door_id).toBe("fleet-room");
  });
});
