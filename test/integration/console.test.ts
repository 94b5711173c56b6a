import { spawnSync } from "node:child_process";
import { statSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { writeConfig } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";

/**
 * Upper bound on the whole run, not a delay: the process exits at the script's `quit`. Starting
 * the controller and playing the script's paced keys and waits in real time took 17.6 s at load
 * 15 on two cores, close to vitest's 20 s default; spawnSync blocks, so the test gets its own.
 */
const SCRIPT_RUN_MS = 90_000;

describe("doorward start --simulate with a scripted console", { timeout: SCRIPT_RUN_MS + 10_000 }, () => {
  it("runs the controller on virtual hardware, executes piped commands and stops locked", () => {
    const dir = tempDir();
    const config = writeConfig(dir, join(dir, "data"), "log_level: warn\n");
    const script = [
      "status",
      "press 1234#",
      "status",
      "door push",
      "wait 300",
      "door release",
      "wait 200",
      "press 0000#",
      "press 12345678#",
      "bogus",
      "status",
      "quit",
    ];
    const run = spawnSync(process.execPath, ["bin/doorward.js", "start", "--simulate", "--config", config], {
      input: `${script.join("\n")}\n`,
      encoding: "utf8",
      timeout: SCRIPT_RUN_MS,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain("ready and locked");
    expect(out).toMatch(/demo user alice \(u-[0-9A-Z]{6}\) PIN 1234/);
    expect(out).toMatch(/event #\d+ \S+ access granted granted via pin u-/);
    expect(out).toContain("status lock=unlocked");
    expect(out).toContain("door: opened");
    expect(out).toMatch(/event #\d+ \S+ door door_closed/);
    expect(out).toMatch(/access unknown_credential denied via pin/);
    // An 8-digit PIN typed in one `press` reaches the controller whole (paced keys, no FIFO overflow).
    expect(out.match(/access unknown_credential denied via pin/g)).toHaveLength(2);
    expect(out).not.toContain("keypad_overflow");
    expect(out).toContain("error: unknown command 'bogus'");
    expect(out).toContain("stopped; lock driven locked");
    // The device secret was created readable by the service user only.
    expect(statSync(join(dir, "data", "secret.key")).mode & 0o777).toBe(0o600);
  });
});
