import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { startHarness, tempDir } from "../helpers/harness.js";
import { type ControllerProcess, startControllerProcess, writeConfig } from "./controller-process.js";

// Issue 10 item 17: two `start` on one data_dir both ran, and decided differently.
const BIN = join(import.meta.dirname, "../../bin/doorward.js");
const running: ControllerProcess[] = [];
afterEach(async () => {
  for (const p of running.splice(0)) await p.stop();
});

/** A second `doorward start`; resolves with its exit code and output once it exits. */
function secondStart(config: string): Promise<{ code: number | null; out: string }> {
  const child = spawn(process.execPath, [BIN, "start", "--simulate", "--config", config], { stdio: "pipe" });
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  return new Promise((resolve) => child.once("exit", (code) => resolve({ code, out })));
}

describe("one service per data_dir", () => {
  it("a second start exits 1 naming the running one; after kill -9 of the first, a new start runs", async () => {
    const dir = tempDir();
    const config = writeConfig(dir);
    const first = await startControllerProcess(config);
    running.push(first);
    const second = await secondStart(config);
    expect(second.code).toBe(1);
    expect(second.out).toContain(`another doorward is already running on data_dir ${join(dir, "data")}`);
    expect(second.out).toContain(`pid ${first.pid}`);
    expect(second.out).not.toContain("ready and locked");
    // The kernel drops the lock with the process: no stale lock after a crash.
    running.splice(running.indexOf(first), 1);
    process.kill(first.pid, "SIGKILL");
    await waitForExit(first.pid);
    const third = await startControllerProcess(config);
    running.push(third);
    expect(third.output()).toContain("ready and locked");
  }, 60_000);

  it("in one process too: a second app on the same data_dir does not start until the first stops", async () => {
    const a = await startHarness();
    await expect(startHarness({ data_dir: a.settings.data_dir })).rejects.toThrow(/already running/);
    await a.app.stop();
    const b = await startHarness({ data_dir: a.settings.data_dir });
    await b.app.stop();
  });
});

async function waitForExit(pid: number): Promise<void> {
  for (;;) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
