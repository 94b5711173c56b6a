import { existsSync, mkdirSync } from "node:fs";
import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import type { SerialPortOpener } from "../../../devices/types.js";
import { databasePath } from "../../app.js";
import type { OsdpReaderSettings } from "../../config/door-schema.js";
import { doorsOf } from "../../config/doors.js";
import { chooseBackends } from "../../config/hardware-schema.js";
import { type InstallResult, installReaderKey } from "../../osdp/osdp-install.js";
import { OsdpKeyStore } from "../../osdp/osdp-key-store.js";
import { OsdpReaderStatusStore } from "../../osdp/reader-status.js";
import { simWiringFromSettings } from "../../sim-wiring.js";
import { AlreadyRunningError, acquireInstanceLock } from "../../store/instance-lock.js";
import { type Db, openDatabase } from "../../store/open-database.js";
import { printable } from "../../store/person-name.js";
import { StoreError } from "../../store/user-store.js";
import { type CliIo, resolveSettings } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";

export const OSDP_USAGE = `doorward osdp install READER   (install mode: sets a fresh random Secure Channel key on a reader in
                                factory state over osdp_KEYSET and stores it in <data_dir>/osdp-keys.json;
                                run it with the service stopped, which owns the RS-485 port)`;

/** `osdp install READER`: the only way a reader is ever addressed with the default key SCBK-D. */
export async function osdpCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" } },
  });
  if (sub !== "install")
    throw new UsageError(sub ? `unknown osdp command '${sub}'` : "missing osdp command", OSDP_USAGE);
  if (positionals.length !== 1) throw new UsageError("osdp install: expected exactly one READER", OSDP_USAGE);
  const settings = resolveSettings(values.config, io.env);
  const id = positionals[0] as string;
  const readers = doorsOf(settings).flatMap((d) => d.readers);
  const reader = readers.find((r): r is OsdpReaderSettings => r.kind === "osdp" && r.id === id);
  if (!reader) {
    const known = readers.filter((r) => r.kind === "osdp").map((r) => r.id);
    throw new UsageError(
      `osdp install: no OSDP reader '${id}' in the config (${known.length ? known.join(", ") : "none configured"})`,
      OSDP_USAGE,
    );
  }
  if (!reader.secure)
    throw new UsageError(
      `osdp install: '${id}' is configured secure: false; set it to true first`,
      OSDP_USAGE,
    );
  // The service owns the port: refuse while it runs rather than fight it for the bus.
  let lock: { release(): void };
  mkdirSync(settings.data_dir, { recursive: true, mode: 0o700 });
  try {
    lock = acquireInstanceLock(settings.data_dir, { door: `osdp install ${id}`, nowMs: Date.now() });
  } catch (err) {
    if (err instanceof AlreadyRunningError)
      throw new StoreError(`${err.message} (the service owns the RS-485 port; stop it, install, start it)`);
    throw err;
  }
  // The status row goes into the service's database when there is one (only `start` makes it);
  // the instance lock held here means no service writes it meanwhile.
  // A database that cannot be opened does not stop the install (the reader does not need it).
  let db: Db | null = null;
  let noRecordWhy = "no database yet (the service records the reader when it first polls it)";
  try {
    const path = databasePath(settings);
    if (existsSync(path)) db = openDatabase(path, { mustExist: true });
  } catch (err) {
    noRecordWhy = (err as Error).message;
  }
  try {
    const serial = await serialOpener(settings);
    io.stdout.write(
      `installing a Secure Channel key on ${printable(id)} (${reader.port}, address ${reader.address})...\n`,
    );
    const result = await installReaderKey({
      reader,
      serial,
      clock: systemClock,
      keys: new OsdpKeyStore(settings.data_dir),
      status: db ? new OsdpReaderStatusStore(db) : null,
    });
    io.stdout.write(`${installedMessage(id, result, noRecordWhy)}\n`);
    return 0;
  } catch (err) {
    throw new StoreError(`osdp install ${id}: ${(err as Error).message}`);
  } finally {
    db?.close();
    lock.release();
  }
}

/** What install did, for the admin: the identity and whether doctor will see it before the service runs. */
function installedMessage(id: string, r: InstallResult, noRecordWhy: string): string {
  const i = r.identity;
  const who = i
    ? ` (vendor ${i.vendor}, serial ${i.serial}, firmware ${i.firmware})`
    : " (identity unknown: the reader does not answer osdp_ID)";
  const recorded = r.recorded
    ? "recorded for doctor as installed"
    : `not recorded for doctor: ${r.recordError ?? noRecordWhy}`;
  return `key installed on ${printable(id)}${who}; stored in osdp-keys.json (0600); ${recorded}`;
}

/**
 * The real port, or on simulated hardware a virtual reader in factory state (what a new reader
 * is): the key it receives is stored, and `doorward start --simulate` provisions it from there.
 */
async function serialOpener(settings: ReturnType<typeof resolveSettings>): Promise<SerialPortOpener> {
  if (chooseBackends(settings.hardware).serial === "simulated") {
    const { createSimulator } = await import("../../../simulator/simulator.js");
    return createSimulator({ clock: systemClock, wiring: simWiringFromSettings(settings) }).serial;
  }
  const { SerialportOpener } = await import("../../../devices/transports/serialport-link.js");
  return new SerialportOpener();
}
