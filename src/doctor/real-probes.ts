import { execFile } from "node:child_process";
import { constants, existsSync } from "node:fs";
import { access, rm, statfs, writeFile } from "node:fs/promises";
import { userInfo } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { systemClock } from "../../devices/system-clock.js";
import { dataDirModeProblems } from "../store/data-dir.js";
import type { DoctorProbes } from "./checks.js";

const run = promisify(execFile);

/** stdout of a command, or null when it cannot run (absent, no systemd, timed out). */
async function output(command: string, args: string[]): Promise<string | null> {
  try {
    const { stdout } = await run(command, args, { timeout: 5_000 });
    return stdout.trim();
  } catch {
    return null;
  }
}

/**
 * The machine as doctor sees it. Hardware is reached through the same transports the service uses,
 * loaded lazily, so on a machine without the native modules each check fails with a message.
 */
export const realDoctorProbes: DoctorProbes = {
  async exists(path) {
    return existsSync(path);
  },
  async readWritable(path) {
    try {
      await access(path, constants.R_OK | constants.W_OK);
      return true;
    } catch {
      try {
        await access(path, constants.W_OK);
        return true;
      } catch {
        return false;
      }
    }
  },
  async gpioBase() {
    const { findGpioBase } = await import("../../devices/transports/sysfs-gpio-base.js");
    return findGpioBase();
  },
  async user() {
    const name = userInfo().username;
    const groups = await output("id", ["-Gn"]);
    return groups === null ? null : { name, groups: groups.split(/\s+/) };
  },
  async i2cReadRegister(busNumber, addr, reg) {
    const { I2cBusBackend } = await import("../../devices/transports/i2c-bus-backend.js");
    const bus = await I2cBusBackend.open(busNumber);
    try {
      const data = await bus.readRegister(addr, reg, 1);
      return data[0] ?? 0;
    } finally {
      await bus.close().catch(() => {});
    }
  },
  async fingerprintVerifyPassword(port, baud) {
    const { SerialportOpener } = await import("../../devices/transports/serialport-link.js");
    const { R503Channel } = await import("../../devices/fingerprint/r503-channel.js");
    const { Command, u32 } = await import("../../devices/fingerprint/packet-codec.js");
    const link = await new SerialportOpener().open(port, baud);
    const channel = new R503Channel(link, systemClock);
    try {
      const ack = await channel.send(Command.VfyPwd, u32(0), 1_000);
      return ack.code;
    } finally {
      channel.dispose();
      await link.close().catch(() => {});
    }
  },
  async fingerprintThroughService(databasePath) {
    if (!existsSync(databasePath)) return { answered: false };
    const { openDatabase } = await import("../store/open-database.js");
    const { SensorRequestStore } = await import("../store/sensor-request-store.js");
    const { checkSensorThroughService } = await import("./service-sensor-check.js");
    const db = openDatabase(databasePath);
    try {
      return await checkSensorThroughService({
        requests: new SensorRequestStore(db),
        now: () => systemClock.now(),
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
      });
    } finally {
      db.close();
    }
  },
  async writeProbeFile(dir) {
    if (!existsSync(dir)) throw new Error(`${dir} does not exist`);
    const file = join(dir, `.doorward-doctor-${process.pid}`);
    await writeFile(file, "doctor\n", { flag: "wx" });
    await rm(file, { force: true });
  },
  async databaseIntegrity(path) {
    if (!existsSync(path)) return null;
    const { default: Database } = await import("better-sqlite3");
    // Read-only: doctor must not change the database the running service uses.
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const rows = db.pragma("integrity_check") as Array<{ integrity_check: string }>;
      return rows.map((r) => r.integrity_check).join("\n");
    } finally {
      db.close();
    }
  },
  async osdpReaderStatus(path, readerIds) {
    if (!existsSync(path)) return null;
    const { openDatabaseReadOnly } = await import("../store/open-database.js");
    const { OsdpReaderStatusStore } = await import("../osdp/reader-status.js");
    // Read-only and in place: doctor must not change the database the running service uses.
    const db = openDatabaseReadOnly(path);
    try {
      const store = new OsdpReaderStatusStore(db);
      return Object.fromEntries(readerIds.map((id) => [id, store.get(id)]));
    } finally {
      db.close();
    }
  },
  async serviceRunning(dataDir) {
    const { instanceLockHeld } = await import("../store/instance-lock.js");
    return instanceLockHeld(dataDir);
  },
  async dataDirModes(dir) {
    return existsSync(dir) ? dataDirModeProblems(dir) : [];
  },
  async freeBytes(dir) {
    const s = await statfs(existsSync(dir) ? dir : ".");
    return s.bavail * s.bsize;
  },
  async clockSynchronized() {
    const value = await output("timedatectl", ["show", "-p", "NTPSynchronized", "--value"]);
    if (value === "yes") return true;
    if (value === "no") return false;
    return null;
  },
};
