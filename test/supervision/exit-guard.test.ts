import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { rmSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { createExitHandler, installExitGuard } from "../../src/supervision/exit-guard.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

function fakeLog() {
  const lines: string[] = [];
  return {
    lines,
    fatal: (_o: object, msg: string) => lines.push(`fatal ${msg}`),
    info: (_o: object, msg: string) => lines.push(`info ${msg}`),
  };
}

let h: Harness | null = null;
afterEach(async () => {
  await h?.app.stop();
  h = null;
});

describe("exit guard (handler driven directly)", () => {
  it("an uncaught exception drives the relay locked synchronously, before the orderly stop, then exits 1", async () => {
    h = await startHarness();
    await h.app.services.door.unlock();
    expect(h.sim.door.boltReleased).toBe(true);
    const exits: number[] = [];
    const proc = new EventEmitter();
    let stopCalledWhileReleased: boolean | null = null;
    const harness = h;
    installExitGuard(
      {
        emergencyLock: () => harness.app.emergencyLock(),
        stop: async () => {
          stopCalledWhileReleased = harness.sim.door.boltReleased;
          await harness.app.stop();
        },
        exit: (c) => exits.push(c),
        log: fakeLog(),
        setTimer: () => {},
      },
      proc,
    );
    proc.emit("uncaughtException", new Error("boom"));
    // Synchronously, in the same tick as the exception: the wire is already at the locked level.
    expect(h.sim.gpio.pin(17).level).toBe(0);
    expect(h.sim.door.boltReleased).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(stopCalledWhileReleased).toBe(false);
    expect(exits).toEqual([1]);
    h = null; // already stopped
  });

  it("SIGTERM locks, stops in order and exits 0; a second signal while stopping exits at once", () => {
    const calls: string[] = [];
    const exits: number[] = [];
    let finishStop: () => void = () => {};
    const handle = createExitHandler({
      emergencyLock: () => {
        calls.push("lock");
        return true;
      },
      stop: () => {
        calls.push("stop");
        return new Promise<void>((r) => {
          finishStop = r;
        });
      },
      exit: (c) => exits.push(c),
      log: fakeLog(),
      setTimer: () => {},
    });
    handle("SIGTERM");
    expect(calls).toEqual(["lock", "stop"]);
    handle("SIGINT");
    expect(calls).toEqual(["lock", "stop", "lock"]);
    expect(exits).toEqual([0]);
    finishStop();
  });

  it("a stop that hangs is cut short by the timeout (exit 1); a stop that fails exits 1", async () => {
    const exits: number[] = [];
    let fire: () => void = () => {};
    const handle = createExitHandler({
      emergencyLock: () => false,
      stop: () => new Promise<void>(() => {}),
      exit: (c) => exits.push(c),
      log: fakeLog(),
      setTimer: (fn) => {
        fire = fn;
      },
    });
    handle("SIGTERM");
    fire();
    expect(exits).toEqual([1]);

    const exits2: number[] = [];
    const handle2 = createExitHandler({
      emergencyLock: () => {
        throw new Error("emergencyLock must not throw, but if it does the stop still runs");
      },
      stop: async () => {
        throw new Error("db close failed");
      },
      exit: (c) => exits2.push(c),
      log: fakeLog(),
      setTimer: () => {},
    });
    handle2("SIGINT");
    await new Promise((r) => setImmediate(r));
    expect(exits2).toEqual([1]);
  });
});

describe("exit guard in a real child process", () => {
  const run = (how: string) => {
    const dir = tempDir();
    try {
      return spawnSync(
        process.execPath,
        ["--import", "tsx", "test/fixtures/crash-after-start.ts", dir, how],
        {
          encoding: "utf8",
          timeout: 20_000,
        },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.each([
    ["throw", 1],
    ["reject", 1],
    ["sigterm", 0],
  ])(
    "%s: the relay's last written level is locked (0), exit code %i",
    (how, code) => {
      const child = run(how);
      const lines = child.stdout.trim().split("\n");
      expect(lines, child.stderr).toContain("released=true");
      expect(lines).toContain("emergency sync=true");
      expect(lines.filter((l) => l.startsWith("relay=")).at(-1)).toBe("relay=0");
      expect(child.status, child.stderr).toBe(code);
    },
    30_000,
  );
});
