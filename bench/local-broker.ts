/**
 * A broker for the benchmarks: MQTT_BENCH_URL / MQTT_TEST_URL if set, else `mosquitto` on a free
 * port if it is installed, else an in-process aedes broker (which shares this process's CPU and
 * memory: a lower bound).
 */
import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import mqtt from "mqtt";
import { freePort } from "../test/helpers/free-port.js";

export async function startBroker(): Promise<{ url: string; name: string; stop: () => Promise<void> }> {
  const given = process.env.MQTT_BENCH_URL ?? process.env.MQTT_TEST_URL;
  if (given) return { url: given, name: `external broker at ${given}`, stop: async () => {} };
  if (spawnSync("sh", ["-c", "command -v mosquitto"]).status === 0) {
    const port = await freePort();
    const dir = mkdtempSync(join(tmpdir(), "bench-mosq-"));
    writeFileSync(
      join(dir, "m.conf"),
      `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`,
    );
    const child = spawn("mosquitto", ["-c", join(dir, "m.conf")], { stdio: "ignore" });
    const url = `mqtt://127.0.0.1:${port}`;
    for (let i = 0; i < 50; i++) {
      const ok = await mqtt.connectAsync(url, { reconnectPeriod: 0, connectTimeout: 500 }).then(
        (c) => c.endAsync().then(() => true),
        () => false,
      );
      if (ok) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return { url, name: "mosquitto (local, separate process)", stop: async () => void child.kill() };
  }
  const { Aedes } = await import("aedes");
  const broker = await Aedes.createBroker();
  const server = createServer(broker.handle);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `mqtt://127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    url,
    name: "aedes (in-process; mosquitto not installed)",
    stop: async () => {
      server.close();
      await new Promise<void>((r) => broker.close(() => r()));
    },
  };
}
