import { systemClock } from "../devices/system-clock.js";
import type { GpioChip } from "../devices/types.js";
import { createSimulator } from "../simulator/simulator.js";
import { createApp } from "../src/app.js";
import type { Settings } from "../src/config/schema.js";
import { createLogger } from "../src/logger.js";
import { simWiringFromSettings } from "../src/sim-wiring.js";

/**
 * The whole app on the simulator, on the real clock, with the relay line wrapped so a bench can
 * read when it was last energised (performance.now(); 0 after reset()).
 */
export async function startRelayTimedApp(settings: Settings) {
  const sim = createSimulator({ clock: systemClock, wiring: simWiringFromSettings(settings) });
  let relayAt = 0;
  const gpio: GpioChip = {
    async open(offset, dir, opts) {
      const line = await sim.transports.gpio.open(offset, dir, opts);
      if (offset !== settings.gpio.relay.line) return line;
      return {
        read: () => line.read(),
        watch: (cb) => line.watch(cb),
        close: () => line.close(),
        write(level) {
          if (level === 1) relayAt = performance.now();
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
  return {
    app,
    sim,
    relayAt: () => relayAt,
    resetRelay: () => {
      relayAt = 0;
    },
  };
}
