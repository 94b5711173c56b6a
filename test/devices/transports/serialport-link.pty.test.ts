import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R503Fingerprint } from "../../../devices/fingerprint/r503-driver.js";
import { systemClock } from "../../../devices/system-clock.js";
import { SerialportOpener } from "../../../devices/transports/serialport-link.js";
import type { DeviceEvents, SerialLink } from "../../../devices/types.js";
import { VirtualR503 } from "../../../simulator/virtual-r503.js";

const hasSocat = spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;
if (!hasSocat)
  console.warn("SKIPPED: socat is not installed (apt-get install -y socat); the pty test needs it");

/** Starts socat with two linked raw ptys and returns their paths. */
function startPtyPair(): Promise<{ proc: ChildProcess; paths: [string, string] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"]);
    const paths: string[] = [];
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`socat gave no ptys: ${stderr}`)), 5000);
    proc.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const match of stderr.matchAll(/PTY is (\S+)/g))
        if (!paths.includes(match[1] as string)) paths.push(match[1] as string);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ proc, paths: [paths[0] as string, paths[1] as string] });
      }
    });
    proc.on("error", reject);
  });
}

describe.skipIf(!hasSocat)("SerialportOpener over a real pty pair (socat)", () => {
  let socat: ChildProcess | undefined;
  let paths: [string, string];
  let moduleSide: SerialLink | undefined;
  let driver: R503Fingerprint | undefined;

  beforeAll(async () => {
    ({ proc: socat, paths } = await startPtyPair());
  });

  afterAll(async () => {
    await driver?.stop();
    await moduleSide?.close();
    socat?.kill();
  });

  it("identifies a finger end to end through the real serialport binding", async () => {
    const opener = new SerialportOpener();
    const sensor = new VirtualR503({ clock: systemClock });
    sensor.preload(42, "alice-right-index");
    moduleSide = await opener.open(paths[0], 57600);
    sensor.attach(moduleSide);

    const matched: DeviceEvents["fingerMatched"][] = [];
    const faults: DeviceEvents["deviceFault"][] = [];
    driver = new R503Fingerprint({
      clock: systemClock,
      opener,
      path: paths[1],
      pollIntervalMs: 20,
      commandTimeoutMs: 500,
      events: { fingerMatched: (e) => matched.push(e), deviceFault: (e) => faults.push(e) },
    });
    await expect(driver.start()).resolves.toBe(true);
    expect(driver.librarySize).toBe(200);
    await expect(driver.templateCount()).resolves.toBe(1);
    sensor.placeFinger("alice-right-index");
    const deadline = Date.now() + 3000;
    while (matched.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
    expect(matched).toEqual([expect.objectContaining({ slot: 42, score: 120 })]);
    expect(faults).toEqual([]);
  });

  it("rejects opening a path that does not exist", async () => {
    await expect(new SerialportOpener().open("/dev/does-not-exist-doorward", 57600)).rejects.toThrow();
  });
});
