import type { BackendChoice } from "../config/hardware-schema.js";
import type { OsdpReaderStatus } from "../osdp/reader-status.js";
import type { ServiceSensorAnswer } from "./service-sensor-check.js";

export type CheckStatus = "pass" | "warn" | "fail";

export interface CheckResult {
  name: string;
  status: CheckStatus;
  detail: string;
  /** What to do about a warn or fail. */
  fix?: string;
}

/**
 * Everything the checks need from the machine. The real implementation is in real-probes.ts;
 * tests pass fakes. A probe may throw: the check turns that into a fail with the message.
 */
export interface DoctorProbes {
  exists(path: string): Promise<boolean>;
  readWritable(path: string): Promise<boolean>;
  /** Sysfs number of BCM 0 with the chip label, or null when no Pi GPIO controller is visible. */
  gpioBase(): Promise<{ base: number; label: string } | null>;
  /** The current user's name and groups, or null when unknown. */
  user(): Promise<{ name: string; groups: string[] } | null>;
  /** Reads one register; throws on NACK or bus error. */
  i2cReadRegister(busNumber: number, addr: number, reg: number): Promise<number>;
  /** Sends VfyPwd (default password 0) and resolves with the confirmation code; throws on silence. */
  fingerprintVerifyPassword(port: string, baud: number): Promise<number>;
  /** Asks the running service, through its database, to read the sensor it holds. */
  fingerprintThroughService(databasePath: string): Promise<ServiceSensorAnswer>;
  /** Creates and removes a file in dir; throws when it cannot. */
  writeProbeFile(dir: string): Promise<void>;
  /** Result of PRAGMA integrity_check ("ok" when sound), or null when there is no database yet. */
  databaseIntegrity(path: string): Promise<string | null>;
  freeBytes(dir: string): Promise<number>;
  /** data_dir and files in it whose mode is not 0700 / 0600 (none when data_dir does not exist). */
  dataDirModes?(dir: string): Promise<Array<{ path: string; mode: number; expected: number }>>;
  /** timedatectl's NTPSynchronized, or null when it cannot be asked (no systemd, no timedatectl). */
  clockSynchronized(): Promise<boolean | null>;
  /**
   * What the service recorded of each OSDP reader (identity, link state), read-only; null when
   * there is no database yet. Absent: the identity rows are left out.
   */
  osdpReaderStatus?(
    databasePath: string,
    readerIds: readonly string[],
  ): Promise<Record<string, OsdpReaderStatus | null> | null>;
  /**
   * Whether a doorward process holds the data_dir's instance lock (the service runs), without
   * taking it; null when it cannot tell. Absent: not known (an `online` row is taken as it is).
   */
  serviceRunning?(dataDir: string): Promise<boolean | null>;
}

const message = (err: unknown) => (err instanceof Error ? err.message : String(err));
const pass = (name: string, detail: string): CheckResult => ({ name, status: "pass", detail });
const fail = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: "fail",
  detail,
  fix,
});
const warn = (name: string, detail: string, fix: string): CheckResult => ({
  name,
  status: "warn",
  detail,
  fix,
});

/** Runs a check; a probe that throws becomes a fail, never a stack trace. */
export async function safely(
  name: string,
  fix: string,
  check: () => Promise<CheckResult>,
): Promise<CheckResult> {
  try {
    return await check();
  } catch (err) {
    return fail(name, message(err), fix);
  }
}

export async function checkGpio(b: BackendChoice, p: DoctorProbes): Promise<CheckResult[]> {
  const name = `gpio (${b.gpio})`;
  if (b.gpio === "simulated") return [pass(name, "simulated: nothing to check")];
  if (b.gpio === "johnny-five") {
    const port = b.firmataPort ?? "(hardware.firmata_port unset)";
    if (!(await p.exists(port)))
      return [
        fail(
          name,
          `${port} does not exist`,
          "plug in the Firmata board (Arduino) and check hardware.firmata_port",
        ),
      ];
    if (!(await p.readWritable(port)))
      return [fail(name, `no read/write permission on ${port}`, "add the service user to the dialout group")];
    return [pass(name, `${port} present`)];
  }
  const base = await p.gpioBase();
  if (!base)
    return [
      fail(
        name,
        "no Raspberry Pi GPIO controller under /sys/class/gpio",
        "run on a Raspberry Pi with sysfs GPIO, or set hardware.gpio: simulated",
      ),
    ];
  if (!(await p.readWritable("/sys/class/gpio/export")))
    return [
      fail(
        name,
        `${base.label} found, but /sys/class/gpio/export is not writable`,
        "add the service user to the gpio group",
      ),
    ];
  return [pass(name, `${base.label}, BCM 0 = sysfs ${base.base}`)];
}

/** A keypad to ask; `label` (`door/reader`) tells several apart, absent for a single-door file. */
export interface DoctorKeypad {
  label?: string;
  i2c_bus: number;
  address: number;
  driver: string;
}

/** The bus (a row per bus in use), then a row per keypad on it: each answers at its own address. */
export async function checkI2c(
  b: BackendChoice,
  keypads: DoctorKeypad[],
  p: DoctorProbes,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  for (const bus of [...new Set(keypads.map((k) => k.i2c_bus))]) {
    const name = `i2c bus ${bus} (${b.i2c})`;
    if (b.i2c === "simulated") {
      results.push(pass(name, "simulated: nothing to check"));
      continue;
    }
    const busRow = await checkI2cBus(name, bus, p);
    results.push(busRow);
    if (busRow.status !== "pass") continue;
    for (const keypad of keypads.filter((k) => k.i2c_bus === bus)) results.push(await checkKeypad(keypad, p));
  }
  return results;
}

async function checkI2cBus(name: string, bus: number, p: DoctorProbes): Promise<CheckResult> {
  const node = `/dev/i2c-${bus}`;
  if (!(await p.exists(node)))
    return fail(
      name,
      `${node} does not exist`,
      "enable I2C: dtparam=i2c_arm=on in /boot/firmware/config.txt (or raspi-config), then reboot",
    );
  if (!(await p.readWritable(node)))
    return fail(name, `no read/write permission on ${node}`, "add the service user to the i2c group");
  return pass(name, `${node} present`);
}

function checkKeypad(keypad: DoctorKeypad, p: DoctorProbes): Promise<CheckResult> {
  const addr = `0x${keypad.address.toString(16)}`;
  const name = `keypad ${keypad.label ? `${keypad.label} ` : ""}${keypad.driver} at ${addr}`;
  return safely(
    name,
    `check the keypad's wiring and 3.3 V supply; i2cdetect -y ${keypad.i2c_bus} should show ${addr}`,
    async () => {
      // TCA8418 KEY_LCK_EC (0x03); a PCF8574 answers any read with its port byte.
      const value = await p.i2cReadRegister(keypad.i2c_bus, keypad.address, 0x03);
      return pass(name, `answered (register 0x03 = 0x${value.toString(16).padStart(2, "0")})`);
    },
  );
}

export async function checkFingerprint(
  b: BackendChoice,
  fingerprint: { port: string; baud: number } | null,
  p: DoctorProbes,
  databasePath: string,
): Promise<CheckResult[]> {
  if (!fingerprint) return [];
  const name = `fingerprint ${fingerprint.port} (${b.serial})`;
  if (b.serial === "simulated") return [pass(name, "simulated: nothing to check")];
  if (!(await p.exists(fingerprint.port)))
    return [
      fail(
        name,
        `${fingerprint.port} does not exist`,
        "enable the UART (enable_uart=1, console removed from cmdline.txt) or plug in the USB adapter; see hardware/99-doorward.rules",
      ),
    ];
  if (!(await p.readWritable(fingerprint.port)))
    return [
      fail(
        name,
        `no read/write permission on ${fingerprint.port}`,
        "add the service user to the dialout group",
      ),
    ];
  try {
    const code = await p.fingerprintVerifyPassword(fingerprint.port, fingerprint.baud);
    return [verifyPasswordResult(name, code, fingerprint.baud)];
  } catch (err) {
    if (PORT_HELD.test(message(err)))
      return [await checkThroughService(name, fingerprint.port, databasePath, p)];
    return [
      fail(name, message(err), `check TX/RX (crossed), 3.3 V supply and the baud rate (${fingerprint.baud})`),
    ];
  }
}

/** serialport's exclusive lock ("Cannot lock port", EAGAIN) or a busy device: another process has it. */
const PORT_HELD = /cannot lock port|resource temporarily unavailable|EBUSY|EAGAIN|port is busy/i;

function verifyPasswordResult(name: string, code: number, baud: number): CheckResult {
  if (code === 0) return pass(name, "answered VfyPwd: password accepted");
  const answered = `VfyPwd answered with code 0x${code.toString(16).padStart(2, "0")}`;
  if (code === 0x13)
    return fail(
      name,
      `${answered} (wrong password)`,
      "the module has a non-default password; reset it or configure it",
    );
  if (code === 0x01)
    return fail(
      name,
      `${answered} (the module could not read the packet)`,
      `check the baud rate (${baud}), a noisy or long line and the ground between the boards`,
    );
  return fail(
    name,
    answered,
    "an unexpected answer: is this an R503-compatible module? see hardware/WIRING.md",
  );
}

/** The port is held: if by the running service, ask it instead of giving a wiring hint. */
async function checkThroughService(
  name: string,
  port: string,
  databasePath: string,
  p: DoctorProbes,
): Promise<CheckResult> {
  const answer = await p.fingerprintThroughService(databasePath).catch(() => ({ answered: false }) as const);
  if (!answer.answered)
    return fail(
      name,
      `${port} is held by another program (not an answering doorward service)`,
      `find it with \`fuser -v ${port}\` and stop it`,
    );
  if (answer.error === null)
    return pass(
      name,
      `held by the running doorward service, which reads the sensor: ${answer.templates} templates, library size ${answer.librarySize}`,
    );
  return fail(
    name,
    `held by the running doorward service, which reports: ${answer.error}`,
    "the service's fault rows (doorward log tail) say since when; then see hardware/WIRING.md",
  );
}

/** The groups the chosen backends need: gpio for onoff, i2c for i2c-bus, dialout for serial ports. */
export function requiredGroups(b: BackendChoice, usesSerial: boolean): string[] {
  const groups: string[] = [];
  if (b.gpio === "onoff") groups.push("gpio");
  if (b.i2c === "i2c-bus") groups.push("i2c");
  if (b.gpio === "johnny-five" || (b.serial === "serialport" && usesSerial)) groups.push("dialout");
  return groups;
}

export async function checkGroups(required: string[], p: DoctorProbes): Promise<CheckResult[]> {
  if (required.length === 0) return [];
  const name = `groups ${required.join(", ")}`;
  const user = await p.user();
  if (!user) return [warn(name, "could not read the current user's groups", "run `id` and check by hand")];
  const missing = required.filter((g) => !user.groups.includes(g));
  if (user.name === "root") return [pass(name, "running as root (the service itself runs as doorward)")];
  if (missing.length === 0) return [pass(name, `${user.name} is in ${required.join(", ")}`)];
  return [
    fail(
      name,
      `${user.name} is not in ${missing.join(", ")}`,
      `sudo usermod -a -G ${missing.join(",")} ${user.name}, then log in again (the service user gets them from install.sh)`,
    ),
  ];
}

/** Below FAIL the next audit rows may not fit; below WARN there is little room to grow. */
export const DISK_FAIL_BYTES = 50 * 1024 * 1024;
export const DISK_WARN_BYTES = 500 * 1024 * 1024;

export async function checkDatabase(
  dataDir: string,
  dbPath: string,
  p: DoctorProbes,
): Promise<CheckResult[]> {
  const results: CheckResult[] = [];
  results.push(
    await safely(
      `data_dir ${dataDir} writable`,
      `create it and give it to the service user: sudo install -d -o doorward -g doorward ${dataDir}`,
      async () => {
        await p.writeProbeFile(dataDir);
        return pass(`data_dir ${dataDir} writable`, "a file could be created and removed");
      },
    ),
  );
  results.push(
    await safely(
      "database integrity",
      "stop the service and restore doorward.db from a backup; doorward log verify names edited rows",
      async () => {
        const integrity = await p.databaseIntegrity(dbPath);
        if (integrity === null)
          return pass("database integrity", `${dbPath} not created yet (created at first start)`);
        if (integrity === "ok") return pass("database integrity", "PRAGMA integrity_check: ok");
        return fail(
          "database integrity",
          `PRAGMA integrity_check: ${integrity.split("\n")[0]}`,
          "stop the service and restore doorward.db from a backup",
        );
      },
    ),
  );
  const modes = p.dataDirModes;
  if (modes) {
    results.push(
      await safely("data_dir permissions", `chmod 700 ${dataDir} and 600 the files in it`, async () => {
        const wrong = await modes(dataDir);
        if (wrong.length === 0) return pass("data_dir permissions", "0700, files 0600");
        const octal = (m: number) => m.toString(8).padStart(4, "0");
        return warn(
          "data_dir permissions",
          wrong.map((w) => `${w.path} is ${octal(w.mode)}, expected ${octal(w.expected)}`).join("; "),
          `chmod ${octal(0o700)} ${dataDir} and ${octal(0o600)} the files in it (the service also does at start)`,
        );
      }),
    );
  }
  results.push(
    await safely("free disk", "free space on the data_dir filesystem", async () => {
      const free = await p.freeBytes(dataDir);
      const mb = Math.floor(free / (1024 * 1024));
      if (free < DISK_FAIL_BYTES)
        return fail(
          "free disk",
          `${mb} MB free on ${dataDir}`,
          `free space (at least ${DISK_FAIL_BYTES / 1048576} MB): the door stays locked when the log cannot be written`,
        );
      if (free < DISK_WARN_BYTES)
        return warn(
          "free disk",
          `${mb} MB free on ${dataDir}`,
          `free space; below ${DISK_FAIL_BYTES / 1048576} MB attempts are refused`,
        );
      return pass("free disk", `${mb} MB free on ${dataDir}`);
    }),
  );
  return results;
}

export async function checkClock(p: DoctorProbes): Promise<CheckResult[]> {
  const name = "clock synchronised";
  const synced = await p.clockSynchronized().catch(() => null);
  if (synced === true) return [pass(name, "NTPSynchronized=yes")];
  if (synced === false)
    return [
      fail(
        name,
        "NTPSynchronized=no: audit timestamps may be wrong",
        "check the network and `timedatectl set-ntp true`; a Pi 4 has no RTC, fit one if the door is offline",
      ),
    ];
  return [
    warn(
      name,
      "unknown (timedatectl not available)",
      "make sure the clock is synchronised: audit timestamps depend on it",
    ),
  ];
}

/** A table a person can read in a terminal or a support ticket. */
export function formatReport(results: CheckResult[]): string {
  const width = Math.max(5, ...results.map((r) => r.name.length));
  const lines = [`${"CHECK".padEnd(width)}  RESULT  DETAIL`];
  for (const r of results) {
    lines.push(`${r.name.padEnd(width)}  ${r.status.toUpperCase().padEnd(6)}  ${r.detail}`);
    if (r.fix && r.status !== "pass") lines.push(`${"".padEnd(width)}  ${"".padEnd(6)}  fix: ${r.fix}`);
  }
  const counts = (s: CheckStatus) => results.filter((r) => r.status === s).length;
  lines.push("", `${counts("pass")} passed, ${counts("warn")} warning(s), ${counts("fail")} failed`);
  return lines.join("\n");
}

/** 0 only when every check passed. */
export function exitCodeFor(results: CheckResult[]): number {
  return results.every((r) => r.status === "pass") ? 0 : 1;
}
