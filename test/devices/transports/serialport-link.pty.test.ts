import type { ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { R503Fingerprint } from "../../../devices/fingerprint/r503-driver.js";
import { systemClock } from "../../../devices/system-clock.js";
import { SerialportOpener } from "../../../devices/transports/serialport-link.js";
import type { DeviceEvents, SerialLink } from "../../../devices/types.js";
import { VirtualR503 } from "../../../simulator/virtual-r503.js";
import { hasSocat, startPtyPair } from "../../helpers/pty-pair.js";

if (!hasSocat)
  console.warn("SKIPPED: socat is not installed (apt-get install -y socat); the pty test needs it");

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
