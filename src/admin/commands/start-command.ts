import { parseArgs } from "node:util";
import { allSimulated } from "../../config/hardware-schema.js";
import { startController } from "../../main.js";
import { superviseService } from "../../supervision/service-supervision.js";
import { type CliIo, resolveSettings } from "../cli-context.js";
import { SimConsole } from "../sim-console.js";
import { seedDemoUsers } from "./demo-users.js";
import { startWebServices } from "./start-web-services.js";

export const START_USAGE = "doorward start [--config FILE] [--simulate]";

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
