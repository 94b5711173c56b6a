import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { connect as netConnect } from "node:net";
import { join } from "node:path";
import { freePort } from "../helpers/free-port.js";
import { tempDir } from "../helpers/harness.js";

export { hasMosquitto } from "../helpers/mosquitto-tls.js";

/** A plain Mosquitto 2 of our own (MQTT 5, shared subscriptions), on a free port, without persistence. */
export async function startMosquitto(): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const dir = tempDir("hub-mosquitto-");
  const conf = join(dir, "mosquitto.conf");
  writeFileSync(
    conf,
    `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\nmax_queued_messages 100000\n`,
  );
  const child = spawn("mosquitto", ["-c", conf], { stdio: "ignore" });
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) =>
      netConnect(port, "127.0.0.1")
        .on("connect", function (this: import("node:net").Socket) {
          this.destroy();
          resolve(true);
        })
        .on("error", () => resolve(false)),
    );
    if (up) break;
    if (i > 100 || child.exitCode !== null) throw new Error("mosquitto did not start");
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `mqtt://127.0.0.1:${port}`,
    stop: async () => {
      child.kill();
      await new Promise((r) => child.once("exit", r));
    },
  };
}
