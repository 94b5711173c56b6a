import { EventEmitter } from "node:events";
import { afterEach, describe, expect, it } from "vitest";
import { SystemdNotifier } from "../../devices/systemd-notify.js";
import { superviseService } from "../../src/supervision/service-supervision.js";
import { doorsConfig } from "../helpers/doors.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.app.stop();
  h = null;
});

describe("systemd watchdog with several doors", () => {
  it("withholds pings when any door's state machine stops answering, and resumes when it answers", async () => {
    h = await startHarness({ doors: doorsConfig(2) });
    const sent: string[] = [];
    const notifier = new SystemdNotifier({
      env: { NOTIFY_SOCKET: "/run/systemd/notify", WATCHDOG_USEC: "2000000", WATCHDOG_PID: "4242" },
      pid: 4242,
      spawn: async (_cmd, args) => {
        sent.push(args.slice(1).join(" "));
        return 0;
      },
    });
    const harness = h;
    const s = superviseService({
      app: h.app,
      clock: h.clock,
      log: { fatal: () => {}, info: () => {}, warn: () => {} },
      stop: () => harness.app.stop(),
      notifier,
      proc: new EventEmitter(),
      exit: () => {},
    });
    await s.ready("ready and locked");
    await h.clock.advance(3000);
    const pings = () => sent.filter((m) => m === "WATCHDOG=1").length;
    expect(pings()).toBe(4);
    // The second door wedges, the first is fine: no more pings.
    const door = h.app.services.units[1]?.door;
    if (!door) throw new Error("no second door");
    const realStatus = door.status.bind(door);
    door.status = () => {
      throw new Error("state machine wedged");
    };
    await h.clock.advance(5000);
    expect(pings()).toBe(4);
    door.status = realStatus;
    await h.clock.advance(1000);
    expect(pings()).toBe(5);
    s.close();
  });
});
