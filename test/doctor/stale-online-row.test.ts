import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { SecretKey } from "../../devices/osdp/secure-channel.js";
import { runDoctor } from "../../src/admin/commands/doctor-command.js";
import { parseSettings } from "../../src/config/load-settings.js";
import type { CheckResult } from "../../src/doctor/checks.js";
import { OsdpKeyStore } from "../../src/osdp/osdp-key-store.js";
import { acquireInstanceLock } from "../../src/store/instance-lock.js";
import { databaseOnlyProbes } from "../helpers/doctor-probes.js";
import { doorEntry, osdpReader } from "../helpers/doors.js";
import { tempDir } from "../helpers/harness.js";

/**
 * A service killed with -9 never marks its readers `stopped`: the last row says "online". Doctor
 * must not PASS that while no service runs: it tells by the instance lock, which the kernel drops
 * with the process.
 */
const doors = [doorEntry("outer", 4, [osdpReader("outer-in", 0)])];

function runServiceThenKill9(): string {
  const dataDir = tempDir();
  new OsdpKeyStore(dataDir).set("outer-in", new SecretKey(randomBytes(16)));
  const child = spawnSync(
    process.execPath,
    ["--import", "tsx", "test/fixtures/osdp-online-then-kill.ts", dataDir, JSON.stringify({ doors })],
    { encoding: "utf8", timeout: 30_000 },
  );
  expect(child.stderr).toBe("");
  expect(child.signal).toBe("SIGKILL");
  expect(JSON.parse(child.stdout.trim())).toMatchObject({ state: "online", secure_channel: true });
  return dataDir;
}

const readerRow = async (dataDir: string): Promise<CheckResult | undefined> =>
  (await runDoctor(parseSettings({ data_dir: dataDir, doors }), databaseOnlyProbes)).find(
    (r) => r.name === "reader outer-in",
  );

describe("doctor: an `online` row left by a service that is not running", () => {
  it("after kill -9 the row still says online, and doctor warns instead of passing", async () => {
    const dataDir = runServiceThenKill9();
    const row = await readerRow(dataDir);
    expect(row?.status).toBe("warn");
    expect(row?.detail).toMatch(
      /^vendor 0a1b2c model 1 v1, serial 0x00001000, firmware 2\.1\.0; last recorded online since \S+Z, but the service is not running/,
    );
    expect(row?.fix).toMatch(/start the service/);
  });

  it("the same row while a service holds the instance lock passes", async () => {
    const dataDir = runServiceThenKill9();
    const lock = acquireInstanceLock(dataDir, { door: "outer", nowMs: 0 });
    try {
      const row = await readerRow(dataDir);
      expect(row).toMatchObject({ status: "pass" });
      expect(row?.detail).toMatch(/; online since \S+Z, Secure Channel up$/);
    } finally {
      lock.release();
    }
  });
});
