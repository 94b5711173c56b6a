import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { FakeClock } from "../../simulator/fake-clock.js";
import { createSimulator, type Simulator } from "../../simulator/simulator.js";
import { type App, createApp } from "../../src/app.js";
import { parseSettings } from "../../src/config/load-settings.js";
import type { Settings } from "../../src/config/schema.js";
import { createLogger, type Logger } from "../../src/logger.js";
import { OsdpKeyStore } from "../../src/osdp/osdp-key-store.js";
import { simWiringFromSettings } from "../../src/sim-wiring.js";

export interface Harness {
  app: App;
  sim: Simulator;
  clock: FakeClock;
  settings: Settings;
  addUserWithPin(name: string, pin: string): string;
  type(keys: string): Promise<void>;
  reasons(): string[];
}

export function tempDir(prefix = "doorward-"): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The whole controller on the simulator, on a fake clock, with its database in a temp dir. */
export async function startHarness(
  overrides: Record<string, unknown> = {},
  opts: {
    beforeStart?: (sim: Simulator) => void;
    /** Runs after the app is created and before it starts (e.g. to add a bus listener ahead of the app's own). */
    beforeAppStart?: (app: App) => void;
    logger?: Logger;
  } = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const settings = parseSettings({ data_dir: tempDir(), log_level: "silent", ...overrides });
  // Virtual OSDP readers hold the keys the controller stored for them (as after `osdp install`).
  const sim = createSimulator({
    clock,
    wiring: simWiringFromSettings(settings, new OsdpKeyStore(settings.data_dir)),
  });
  opts.beforeStart?.(sim);
  const app = createApp({
    settings,
    transports: sim.transports,
    clock,
    logger: opts.logger ?? createLogger("silent"),
  });
  opts.beforeAppStart?.(app);
  await app.start();
  await clock.advance(0);
  return {
    app,
    sim,
    clock,
    settings,
    addUserWithPin(name, pin) {
      const { users, hasher } = app.services;
      const user = users.add(name, clock.now());
      users.setCredential(user.id, "pin", hasher.hash("pin", pin), clock.now());
      return user.userCode;
    },
    async type(keys) {
      // One key per 60 ms, like a brisk person: the driver polls every 20 ms.
      for (const key of keys) {
        sim.keypad.type(key);
        await clock.advance(60);
      }
      await app.services.access.idle();
    },
    reasons: () => app.services.audit.tail(1000).map((r) => r.reason),
  };
}
