import { spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { tempDir } from "../helpers/harness.js";

/**
 * Upper bound on the whole run, not a delay: the process exits at the script's `quit`. Starting
 * the controller and playing the script's paced keys and waits in real time took 17.6 s at load
 * 15 on two cores, close to vitest's 20 s default; spawnSync blocks, so the test gets its own.
 */
const SCRIPT_RUN_MS = 90_000;

describe("hardware/two-doors.example.yaml on the simulator console", {
  timeout: SCRIPT_RUN_MS + 10_000,
}, () => {
  it("starts both doors; console commands reach the door or reader they name, the first door by default", () => {
    const dir = tempDir();
    const config = join(dir, "two-doors.yaml");
    const example = readFileSync("hardware/two-doors.example.yaml", "utf8");
    writeFileSync(
      config,
      `${example.replace(/^data_dir: .*$/m, `data_dir: ${join(dir, "data")}`)}\nlog_level: warn\n`,
    );
    const script = [
      "press 1234#",
      "status @outer",
      "door push @outer",
      "wait 300",
      "door release @outer",
      "wait 300",
      "press 5678# @cage",
      "status @cage-keypad",
      // outer and cage are interlocked: the exit badge waits until the cage has shut (and relocked).
      "door push @cage",
      "wait 300",
      "door release @cage",
      "wait 300",
      "badge 12345678 @outer-exit",
      "rex @cage",
      "press 1234# @nowhere",
      "finger 1 @cage",
      "quit",
    ];
    const run = spawnSync(process.execPath, ["bin/doorward.js", "start", "--simulate", "--config", config], {
      input: `${script.join("\n")}\n`,
      encoding: "utf8",
      timeout: SCRIPT_RUN_MS,
    });
    expect(run.status, run.stderr).toBe(0);
    const out = run.stdout;
    expect(out).toContain("doorward outer, cage: ready and locked");
    // The first door by default; its keypad's rows name the reader and its direction (occupancy).
    expect(out).toMatch(
      /event #\d+ \S+ access granted granted via pin u-\S+ \{"direction":"in","reader":"outer-keypad"\}/,
    );
    expect(out).toContain("status door=outer lock=unlocked");
    expect(out).toContain("door: opened");
    expect(out).toMatch(/access granted granted via pin u-\S+ \{"direction":"in","reader":"cage-keypad"\}/);
    expect(out).toContain("status door=cage lock=unlocked");
    expect(out).toMatch(/access granted granted via badge u-\S+ \{"direction":"out","reader":"outer-exit"\}/);
    expect(out).toMatch(/door exit_request granted via rex/);
    expect(out).toContain("error: no door or reader 'nowhere' (doors: outer, cage)");
    expect(out).toContain("error: finger: door cage has no fingerprint sensor");
    expect(out).toContain("stopped; every lock driven locked");
  });
});
