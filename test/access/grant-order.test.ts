import { afterEach, describe, expect, it } from "vitest";
import type { GpioChip } from "../../devices/types.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { createSimulator } from "../../simulator/simulator.js";
import { type App, createApp } from "../../src/app.js";
import { parseSettings } from "../../src/config/load-settings.js";
import { createLogger } from "../../src/logger.js";
import { simWiringFromSettings } from "../../src/sim-wiring.js";
import { tempDir } from "../helpers/harness.js";

/**
 * The grant path drives the relay right after the commit, before the indicator and anything else
 * (issue 15: nothing but the fsync between the last key and the relay). These pin the order down:
 * row committed → relay → feedback, and no relay at all when the row cannot be committed.
 */
let app: App | null = null;
afterEach(async () => {
  await app?.stop();
  app = null;
});

type Step = string;

async function start() {
  const clock = new FakeClock();
  const settings = parseSettings({ data_dir: tempDir(), log_level: "silent" });
  const sim = createSimulator({ clock, wiring: simWiringFromSettings(settings) });
  const steps: Step[] = [];
  let started = false;
  const names = new Map<number, string>([
    [settings.gpio.relay.line, "relay"],
    ...(settings.gpio.led_green ? [[settings.gpio.led_green.line, "green"] as [number, string]] : []),
    ...(settings.gpio.led_red ? [[settings.gpio.led_red.line, "red"] as [number, string]] : []),
  ]);
  const gpio: GpioChip = {
    async open(offset, dir, opts) {
      const line = await sim.transports.gpio.open(offset, dir, opts);
      const name = names.get(offset);
      if (!name) return line;
      return {
        read: () => line.read(),
        watch: (cb) => line.watch(cb),
        close: () => line.close(),
        write(level) {
          if (started && level === 1) {
            // What the log holds at the moment the output moves: committed (no open transaction).
            const { db, audit } = (app as App).services;
            steps.push(`${name} (in transaction: ${db.inTransaction}, last row: ${audit.last()?.reason})`);
          }
          return line.write(level);
        },
      };
    },
  };
  app = createApp({
    settings,
    transports: { ...sim.transports, gpio },
    clock,
    logger: createLogger("silent"),
  });
  await app.start();
  await clock.advance(0);
  const { users, hasher } = app.services;
  const user = users.add("alice", clock.now());
  users.setCredential(user.id, "pin", hasher.hash("pin", "1234"), clock.now());
  started = true;
  const type = async (keys: string) => {
    for (const key of keys) {
      sim.keypad.type(key);
      await clock.advance(60);
    }
    await (app as App).services.access.idle();
  };
  return { app, sim, steps, type };
}

describe("grant order: commit, then the relay, then the feedback", () => {
  it("the relay is driven after the grant row has committed and before the green LED", async () => {
    const { steps, type } = await start();
    await type("1234#");
    expect(steps[0]).toBe("relay (in transaction: false, last row: granted)");
    expect(steps.indexOf("green (in transaction: false, last row: granted)")).toBeGreaterThan(0);
  });

  it("a grant whose row cannot be committed never moves the relay and shows no green", async () => {
    const { app, sim, steps, type } = await start();
    app.services.db.exec(
      "CREATE TEMP TRIGGER refuse_rows BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'disk I/O error'); END",
    );
    const before = app.services.audit.last()?.seq;
    await type("1234#");
    expect(steps.filter((s) => s.startsWith("relay") || s.startsWith("green"))).toEqual([]);
    expect(sim.door.pulseCount()).toBe(0);
    expect(app.services.audit.last()?.seq).toBe(before);
  });
});
