import { systemClock } from "../devices/system-clock.js";
import type { GpioChip } from "../devices/types.js";
import { createSimulator } from "../simulator/simulator.js";
import { createApp } from "../src/app.js";
import { doorsOf } from "../src/config/doors.js";
import type { Settings } from "../src/config/schema.js";
import { createLogger } from "../src/logger.js";
import { simWiringFromSettings } from "../src/sim-wiring.js";

/**
 * The whole app on the simulator, on the real clock, with every door's relay line wrapped so a
 * bench can read when each was last energised: `relayAt[i]` is performance.now() for door i of
 * doorsOf(settings) (0 until then; benches reset it by writing 0).
 */
export async function startRelayTimedDoors(settings: Settings) {
  const sim = createSimulator({ clock: systemClock, wiring: simWiringFromSettings(settings) });
  const doors = doorsOf(settings);
  const relayLines = doors.map((d) => d.gpio.relay.line);
  const relayAt = doors.map(() => 0);
  const gpio: GpioChip = {
    async open(offset, dir, opts) {
      const line = await sim.transports.gpio.open(offset, dir, opts);
      const door = relayLines.indexOf(offset);
      if (door < 0) return line;
      return {
        read: () => line.read(),
        watch: (cb) => line.watch(cb),
        close: () => line.close(),
        write(level) {
          if (level === 1) relayAt[door] = performance.now();
          return line.write(level);
        },
      };
    },
  };
  const app = createApp({
    settings,
    transports: { ...sim.transports, gpio },
    clock: systemClock,
    logger: createLogger("silent"),
  });
  await app.start();
  return { app, sim, relayAt, doorIds: doors.map((d) => d.id) };
}

/** One door's view of startRelayTimedDoors: when its relay was last energised, and a reset. */
export async function startRelayTimedApp(settings: Settings) {
  const { app, sim, relayAt } = await startRelayTimedDoors(settings);
  return {
    app,
    sim,
    relayAt: () => relayAt[0] ?? 0,
    resetRelay: () => {
      relayAt[0] = 0;
    },
  };
}
