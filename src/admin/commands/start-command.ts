import { parseArgs } from "node:util";
import { allSimulated } from "../../config/hardware-schema.js";
import type { Settings } from "../../config/schema.js";
import { type RunningController, startController } from "../../main.js";
import { SensorRequestStore } from "../../store/sensor-request-store.js";
import { superviseService } from "../../supervision/service-supervision.js";
import { AdminService, currentActor } from "../admin-service.js";
import { type CliIo, resolveSettings } from "../cli-context.js";
import { SimConsole } from "../sim-console.js";
import { DEMO_USERS } from "./demo-users.js";
import { startWebServices } from "./start-web-services.js";

export const START_USAGE = "doorward start [--config FILE] [--simulate]";

/** On an empty simulated controller, two people to try the door with. Never on real hardware. */
function seedDemoUsers(running: RunningController, settings: Settings, out: (line: string) => void): void {
  const { users, hasher, audit, db } = running.app.services;
  // The virtual sensor's flash does not outlive the process: refill it from the store so enrolled
  // fingers ("finger-N" for slot N) still match after a restart of the simulator.
  if (running.sim) {
    for (const slot of new SensorRequestStore(db).assignedSlots().keys())
      running.sim.fingerprint.preload(slot, `finger-${slot}`);
  }
  if (users.list().length > 0) return;
  const admin = new AdminService(users, hasher, audit, running.clock, currentActor(), {
    minLength: settings.pin.min_length,
    maxLength: settings.pin.max_length,
  });
  for (const demo of DEMO_USERS) {
    const user = admin.addUser(demo.name);
    admin.setPin(user.userCode, demo.pin);
    users.setCredential(user.id, "badge", hasher.hash("badge", demo.badge), running.clock.now());
    let finger = "";
    if (running.sim && running.app.services.credentials.fingerprint) {
      running.sim.fingerprint.preload(demo.slot, `finger-${demo.slot}`);
      users.setCredential(user.id, "fingerprint", String(demo.slot), running.clock.now());
      finger = `, finger ${demo.slot}`;
    }
    out(`demo user ${demo.name} (${user.userCode}) PIN ${demo.pin}, badge ${demo.badge}${finger}`);
  }
}

export async function startCommand(args: string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { config: { type: "string" }, simulate: { type: "boolean" } },
  });
  const settings = resolveSettings(values.config, io.env);
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const running = await startController(settings, { simulate: values.simulate === true });
  // Web: the admin HTTPS page, and the simulator panel on simulated hardware.
  const web = await startWebServices(running, out);
  let stopping: Promise<void> | null = null;
  const stop = () => {
    stopping ??= web.stop().then(() => running.app.stop());
    return stopping;
  };
  // Crash, SIGTERM, SIGINT: relay locked first (synchronously where possible), then the orderly
  // stop, then exit (1 for a crash). READY=1 / WATCHDOG=1 when run by systemd.
  const supervision = superviseService({
    app: running.app,
    clock: running.clock,
    log: running.logger,
    stop,
    env: io.env,
  });
  const simulatedOnly = allSimulated(running.backends);
  const doors = running.app.services.units.map((u) => u.id).join(", ");
  const ready = `doorward ${doors}: ready and locked (${simulatedOnly ? "simulated hardware" : `gpio=${running.backends.gpio} i2c=${running.backends.i2c} serial=${running.backends.serial}`}, data in ${settings.data_dir})`;
  out(ready);
  await supervision.ready(ready);
  if (!running.sim) {
    await new Promise<void>(() => {}); // runs until a signal stops it
    return 0;
  }
  // Demo people only when nothing real is attached: never on a door.
  if (simulatedOnly) seedDemoUsers(running, settings, out);
  const console = new SimConsole(running.app, running.sim, running.clock, out);
  console.attach();
  await console.run(io.stdin, io.stdin.isTTY === true);
  supervision.close();
  await stop();
  out(
    running.app.services.units.length > 1
      ? "stopped; every lock driven locked"
      : "stopped; lock driven locked",
  );
  return 0;
}
