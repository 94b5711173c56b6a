import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { copyFileSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "./free-port.js";
import type { TestPki } from "./test-certs.js";

export const hasMosquitto = spawnSync("sh", ["-c", "command -v mosquitto"]).status === 0;

/**
 * A Mosquitto running the example config of hardware/mosquitto/ itself, with only paths and
 * ports rewritten for a test: so the example that operators copy is the one that is tested.
 */
export async function startMosquittoFromExample(
  pki: TestPki,
): Promise<{ url: string; config: string; log: () => string; close(): Promise<void> }> {
  const example = join(import.meta.dirname, "../../hardware/mosquitto");
  const [tlsPort, plainPort] = [await freePort(), await freePort()];
  const acl = join(pki.dir, "doorward.acl");
  copyFileSync(join(example, "doorward.acl"), acl);
  let conf = readFileSync(join(example, "mosquitto.conf"), "utf8")
    .replace(/^listener 8883$/m, `listener ${tlsPort} 127.0.0.1`)
    .replace(/^listener 1883 127\.0\.0\.1$/m, `listener ${plainPort} 127.0.0.1`)
    .replace(/^cafile .*$/m, `cafile ${pki.caFile}`)
    .replace(/^certfile .*$/m, `certfile ${pki.serverCert}`)
    .replace(/^keyfile .*$/m, `keyfile ${pki.serverKey}`)
    .replace(/^acl_file .*$/m, `acl_file ${acl}`)
    .replace(/^persistence true$/m, "persistence false")
    .replace(/^persistence_location .*$/m, "");
  // As root Mosquitto drops to its own user, which cannot read the 0600 test keys.
  if (process.getuid?.() === 0) conf += "\nuser root\n";
  const config = join(pki.dir, "mosquitto.conf");
  writeFileSync(config, conf);
  let output = "";
  const child: ChildProcess = spawn("mosquitto", ["-c", config], { stdio: ["ignore", "pipe", "pipe"] });
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const { connect } = await import("node:net");
  for (let i = 0; ; i++) {
    const up = await new Promise<boolean>((resolve) =>
      connect(tlsPort, "127.0.0.1")
        .on("connect", function (this: import("node:net").Socket) {
          this.destroy();
          resolve(true);
        })
        .on("error", () => resolve(false)),
    );
    if (up) break;
    if (i > 50 || child.exitCode !== null) throw new Error(`mosquitto did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url: `mqtts://127.0.0.1:${tlsPort}`,
    config: conf,
    log: () => output,
    close: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    },
  };
}
