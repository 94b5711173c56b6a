import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { SystemdNotifier } from "../../devices/systemd-notify.js";
import type { Clock } from "../../devices/types.js";
import type { DoorStatus } from "../../src/door/door-controller.js";
import { Liveness } from "../../src/supervision/liveness.js";
import { superviseService } from "../../src/supervision/service-supervision.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.app.stop();
  h = null;
});

const silentLog = { fatal: () => {}, info: () => {}, warn: () => {} };

function recordingNotifier(env: NodeJS.ProcessEnv) {
  const sent: string[] = [];
  const notifier = new SystemdNotifier({
    env,
    pid: 4242,
    spawn: async (_cmd, args) => {
      sent.push(args.slice(1).join(" "));
      return 0;
    },
  });
  return { sent, notifier };
}

const systemdEnv = { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "2000000", WATCHDOG_PID: "4242" };

describe("systemd notify wiring", () => {
  it("READY=1 only when ready() is called, then WATCHDOG=1 every WATCHDOG_USEC/2 while healthy", async () => {
    h = await startHarness();
    const { sent, notifier } = recordingNotifier(systemdEnv);
    const harness = h;
    const s = superviseService({
      app: h.app,
      clock: h.clock,
      log: silentLog,
      stop: () => harness.app.stop(),
      notifier,
      proc: new EventEmitter(),
      exit: () => {},
    });
    await h.clock.advance(3000);
    expect(sent).toEqual([]);
    await s.ready("ready and locked");
    expect(sent).toEqual(["--ready --status=ready and locked", "WATCHDOG=1"]);
    await h.clock.advance(3000);
    expect(sent.filter((m) => m === "WATCHDOG=1")).toHaveLength(4); // 1 s period

    // The door state machine stops answering: pings are withheld, so systemd restarts us.
    const door = h.app.services.door;
    const realStatus = door.status.bind(door);
    door.status = () => {
      throw new Error("state machine wedged");
    };
    await h.clock.advance(5000);
    expect(sent.filter((m) => m === "WATCHDOG=1")).toHaveLength(4);
    door.status = realStatus;
    await h.clock.advance(1000);
    expect(sent.filter((m) => m === "WATCHDOG=1")).toHaveLength(5);
    s.close();
  });

  it("outside systemd nothing is sent and start-up still completes", async () => {
    h = await startHarness();
    const { sent, notifier } = recordingNotifier({});
    const harness = h;
    const s = superviseService({
      app: h.app,
      clock: h.clock,
      log: silentLog,
      stop: () => harness.app.stop(),
      notifier,
      proc: new EventEmitter(),
      exit: () => {},
    });
    await s.ready("ready and locked");
    await h.clock.advance(10_000);
    expect(sent).toEqual([]);
    s.close();
  });

  it("SIGTERM through the installed guard sends STOPPING=1 and exits 0 with the relay locked", async () => {
    h = await startHarness();
    const { sent, notifier } = recordingNotifier(systemdEnv);
    const proc = new EventEmitter();
    const exits: number[] = [];
    const harness = h;
    superviseService({
      app: h.app,
      clock: h.clock,
      log: silentLog,
      stop: () => harness.app.stop(),
      notifier,
      proc,
      exit: (c) => exits.push(c),
    });
    await h.app.services.door.unlock();
    proc.emit("SIGTERM");
    expect(h.sim.door.boltReleased).toBe(false);
    await new Promise((r) => setImmediate(r));
    expect(sent).toContain("STOPPING=1");
    expect(exits).toEqual([0]);
    h = null;
  });
});

describe("Liveness", () => {
  /** A clock whose timers fire only when told: a blocked event loop is time passing without them. */
  function manualClock() {
    let now = 0;
    const timers: Array<() => void> = [];
    const clock: Clock = {
      now: () => now,
      setTimeout: (fn) => {
        timers.push(fn);
        return () => {};
      },
    };
    return {
      clock,
      pass: (ms: number) => {
        now += ms;
      },
      fireTimers: () => {
        for (const fn of timers.splice(0)) fn();
      },
    };
  }
  const door = (lock: "locked" | "unlocked") => ({
    status: (): DoorStatus => ({ phase: "locked", lock, door: "closed", fault: null }),
  });

  it("a blocked event loop (heartbeat late) is unhealthy; a turning one is healthy", () => {
    const m = manualClock();
    const live = new Liveness({ clock: m.clock, door: door("locked"), maxUnlockMs: 30_000 });
    live.start();
    m.pass(500);
    m.fireTimers();
    expect(live.isHealthy()).toBe(true);
    m.pass(3000); // no heartbeat ran for 3 s
    expect(live.isHealthy()).toBe(false);
    expect(live.lastFailure).toMatch(/event loop blocked/);
    m.fireTimers();
    expect(live.isHealthy()).toBe(true);
  });

  it("a relay released past its cap is unhealthy (the state machine lost track of it)", () => {
    const m = manualClock();
    let state: "locked" | "unlocked" = "unlocked";
    const live = new Liveness({
      clock: m.clock,
      door: { status: () => ({ ...door(state).status() }) },
      maxUnlockMs: 5000,
    });
    live.start();
    expect(live.isHealthy()).toBe(true);
    for (let t = 0; t < 7000; t += 500) {
      m.pass(500);
      m.fireTimers();
    }
    expect(live.isHealthy()).toBe(false);
    expect(live.lastFailure).toMatch(/relay released/);
    state = "locked";
    expect(live.isHealthy()).toBe(true);
  });
});
