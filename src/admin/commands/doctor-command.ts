import { parseArgs } from "node:util";
import { databasePath } from "../../app.js";
import { doorsOf } from "../../config/doors.js";
import { fingerprintEnabled } from "../../config/fingerprint-schema.js";
import { chooseBackends } from "../../config/hardware-schema.js";
import { ConfigError } from "../../config/load-settings.js";
import type { Settings } from "../../config/schema.js";
import {
  type CheckResult,
  checkClock,
  checkDatabase,
  checkFingerprint,
  checkGpio,
  checkGroups,
  checkI2c,
  type DoctorKeypad,
  type DoctorProbes,
  exitCodeFor,
  formatReport,
  requiredGroups,
  safely,
} from "../../doctor/checks.js";
import { checkOsdpIdentities, checkOsdpReaders, osdpReadersOf } from "../../doctor/osdp-checks.js";
import { checkWiegandFormats } from "../../doctor/wiegand-checks.js";
import { type CliIo, resolveSettings } from "../cli-context.js";

export const DOCTOR_USAGE =
  "doorward doctor [--config FILE]   # checks devices, permissions, database, clock";

/** The fingerprint sensor to check, when one is enabled. */
function fingerprintOf(settings: Settings): { port: string; baud: number } | null {
  return fingerprintEnabled(settings)
    ? { port: settings.fingerprint.port, baud: settings.fingerprint.baud }
    : null;
}

/** Every keypad of every door; with a `doors:` list each is named `door/reader`. */
function keypadsOf(settings: Settings): DoctorKeypad[] {
  if (!settings.doors) return [settings.keypad];
  return doorsOf(settings).flatMap((d) =>
    d.readers.flatMap((r) => (r.kind === "keypad" ? [{ ...r, label: `${d.id}/${r.id}` }] : [])),
  );
}

/** Every check for one configuration; each failure is a row, never an exception. */
export async function runDoctor(settings: Settings, probes: DoctorProbes): Promise<CheckResult[]> {
  const b = chooseBackends(settings.hardware);
  const fingerprint = fingerprintOf(settings);
  const group = async (name: string, fix: string, f: () => Promise<CheckResult[]>) =>
    f().catch(async (err) => [await safely(name, fix, () => Promise.reject(err))]);
  return [
    ...(await group("gpio", "see hardware/WIRING.md", () => checkGpio(b, probes))),
    ...(await group("i2c", "see hardware/WIRING.md", () => checkI2c(b, keypadsOf(settings), probes))),
    ...(await group("fingerprint", "see hardware/WIRING.md", () =>
      checkFingerprint(b, fingerprint, probes, databasePath(settings)),
    )),
    ...checkWiegandFormats(settings),
    ...checkOsdpReaders(settings),
    ...(await group("osdp readers", "check data_dir", () => osdpIdentityRows(settings, probes))),
    ...(await group("groups", "run `id`", () =>
      checkGroups(requiredGroups(b, fingerprint !== null), probes),
    )),
    ...(await group("database", "check data_dir", () =>
      checkDatabase(settings.data_dir, databasePath(settings), probes),
    )),
    ...(await group("clock", "check timedatectl", () => checkClock(probes))),
  ];
}

/** The readers' recorded identity and state, when the probes can read them. */
async function osdpIdentityRows(settings: Settings, probes: DoctorProbes): Promise<CheckResult[]> {
  const readers = osdpReadersOf(settings);
  const read = probes.osdpReaderStatus;
  if (readers.length === 0 || !read) return [];
  const statuses = await read(
    databasePath(settings),
    readers.map((r) => r.id),
  );
  // An `online` row is only as fresh as the service that wrote it: a service killed with -9 left it.
  const running = probes.serviceRunning
    ? await probes.serviceRunning(settings.data_dir).catch(() => null)
    : null;
  return checkOsdpIdentities(readers, statuses, running);
}

export async function doctorCommand(args: string[], io: CliIo, probes?: DoctorProbes): Promise<number> {
  const { values } = parseArgs({ args, options: { config: { type: "string" } } });
  let settings: Settings;
  try {
    settings = resolveSettings(values.config, io.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const row: CheckResult = {
      name: "config",
      status: "fail",
      detail: err.message.replace(/\n\s*/g, " "),
      fix: "correct the file (hardware/config.example.yaml shows every key)",
    };
    io.stdout.write(`${formatReport([row])}\n`);
    return 1;
  }
  const real = probes ?? (await import("../../doctor/real-probes.js")).realDoctorProbes;
  const results = await runDoctor(settings, real);
  io.stdout.write(`${formatReport(results)}\n`);
  return exitCodeFor(results);
}
