import { describe, expect, it } from "vitest";
import { realNotifySpawner, SystemdNotifier, watchdogIntervalMs } from "../../devices/systemd-notify.js";
import { FakeClock } from "../../simulator/fake-clock.js";

function fakeSpawner(result: number | Error = 0) {
  const calls: Array<{ command: string; args: string[] }> = [];
  const spawn = async (command: string, args: string[]) => {
    calls.push({ command, args });
    if (result instanceof Error) throw result;
    return result;
  };
  return { calls, spawn };
}

const enoent = () => Object.assign(new Error("spawn systemd-notify ENOENT"), { code: "ENOENT" });
const underSystemd = {
  NOTIFY_SOCKET: "/run/systemd/notify",
  WATCHDOG_USEC: "10000000",
  WATCHDOG_PID: "4242",
};

describe("watchdogIntervalMs", () => {
  it("returns half of WATCHDOG_USEC in ms", () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "10000000" })).toBe(5_000);
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "3000" })).toBe(1);
  });
  it("is null without a watchdog or with garbage", () => {
    expect(watchdogIntervalMs({})).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "soon" })).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "-5" })).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "0" })).toBeNull();
  });
  it("is null when WATCHDOG_PID names another process", () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "10000000", WATCHDOG_PID: "1" }, 4242)).toBeNull();
    expect(watchdogIntervalMs({ WATCHDOG_USEC: "10000000", WATCHDOG_PID: "4242" }, 4242)).toBe(5_000);
  });
});

describe("SystemdNotifier", () => {
  it("does nothing and returns false when NOTIFY_SOCKET is unset", async () => {
    const fake = fakeSpawner();
    const n = new SystemdNotifier({ env: {}, spawn: fake.spawn, pid: 4242 });
    expect(n.enabled).toBe(false);
    expect(await n.ready("up")).toBe(false);
    expect(await n.watchdog()).toBe(false);
    expect(await n.status("x")).toBe(false);
    expect(fake.calls).toEqual([]);
  });

  it("sends READY, STATUS, WATCHDOG and STOPPING through systemd-notify with --pid", async () => {
    const fake = fakeSpawner();
    const n = new SystemdNotifier({ env: underSystemd, spawn: fake.spawn, pid: 4242 });
    expect(await n.ready("door locked, 3 users")).toBe(true);
    expect(await n.status("keypad fault")).toBe(true);
    expect(await n.watchdog()).toBe(true);
    expect(await n.stopping()).toBe(true);
    expect(fake.calls).toEqual([
      { command: "systemd-notify", args: ["--pid=4242", "--ready", "--status=door locked, 3 users"] },
      { command: "systemd-notify", args: ["--pid=4242", "--status=keypad fault"] },
      { command: "systemd-notify", args: ["--pid=4242", "WATCHDOG=1"] },
      { command: "systemd-notify", args: ["--pid=4242", "STOPPING=1"] },
    ]);
  });

  it("keeps a status text on one line so it cannot inject another assignment", async () => {
    const fake = fakeSpawner();
    const n = new SystemdNotifier({ env: underSystemd, spawn: fake.spawn, pid: 4242 });
    await n.status("ok\nREADY=1");
    expect(fake.calls[0]?.args).toEqual(["--pid=4242", "--status=ok READY=1"]);
  });

  it("returns false on a non-zero exit", async () => {
    const fake = fakeSpawner(1);
    const n = new SystemdNotifier({ env: underSystemd, spawn: fake.spawn, pid: 4242 });
    expect(await n.ready()).toBe(false);
  });

  it("gives up after ENOENT instead of spawning on every ping", async () => {
    const fake = fakeSpawner(enoent());
    const n = new SystemdNotifier({ env: underSystemd, spawn: fake.spawn, pid: 4242 });
    expect(await n.ready()).toBe(false);
    expect(n.enabled).toBe(false);
    expect(await n.watchdog()).toBe(false);
    expect(fake.calls).toHaveLength(1);
  });

  it("does not overlap watchdog pings while one is still running", async () => {
    let release: (code: number) => void = () => {};
    let spawned = 0;
    const n = new SystemdNotifier({
      env: underSystemd,
      pid: 4242,
      spawn: () => {
        spawned++;
        return new Promise((resolve) => {
          release = resolve;
        });
      },
    });
    const first = n.watchdog();
    expect(await n.watchdog()).toBe(false);
    release(0);
    expect(await first).toBe(true);
    expect(spawned).toBe(1);
  });

  it("pings every half period while healthy and stops when unhealthy or stopped", async () => {
    const clock = new FakeClock();
    const fake = fakeSpawner();
    const n = new SystemdNotifier({ env: underSystemd, spawn: fake.spawn, pid: 4242 });
    let healthy = true;
    const stop = n.startWatchdog(clock, () => healthy);
    await clock.advance(0);
    expect(fake.calls).toHaveLength(1); // immediately
    await clock.advance(10_000);
    expect(fake.calls).toHaveLength(3); // at 5 s and 10 s
    healthy = false;
    await clock.advance(10_000);
    expect(fake.calls).toHaveLength(3); // silence: systemd will restart us
    healthy = true;
    stop();
    await clock.advance(10_000);
    expect(fake.calls).toHaveLength(3);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("startWatchdog is a no-op without WATCHDOG_USEC", async () => {
    const clock = new FakeClock();
    const fake = fakeSpawner();
    const n = new SystemdNotifier({ env: { NOTIFY_SOCKET: "/run/x" }, spawn: fake.spawn, pid: 4242 });
    n.startWatchdog(clock)();
    expect(clock.pendingTimers()).toBe(0);
    expect(fake.calls).toEqual([]);
  });
});

describe("realNotifySpawner", () => {
  it("reports exit codes and rejects with ENOENT for a missing binary", async () => {
    const spawn = realNotifySpawner(2_000);
    expect(await spawn(process.execPath, ["-e", "process.exit(3)"])).toBe(3);
    await expect(spawn("/nonexistent/systemd-notify", [])).rejects.toMatchObject({ code: "ENOENT" });
  });
});
