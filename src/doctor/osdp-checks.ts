import type { PdIdentity } from "../../devices/osdp/messages.js";
import type { OsdpReaderSettings } from "../config/door-schema.js";
import { doorsOf } from "../config/doors.js";
import type { Settings } from "../config/schema.js";
import { OsdpKeyStore } from "../osdp/osdp-key-store.js";
import type { OsdpReaderStatus } from "../osdp/reader-status.js";
import type { CheckResult } from "./checks.js";

/** Every OSDP reader of the configuration, whichever door it is on. */
export function osdpReadersOf(settings: Settings): OsdpReaderSettings[] {
  return doorsOf(settings)
    .flatMap((d) => d.readers)
    .filter((r): r is OsdpReaderSettings => r.kind === "osdp");
}

/**
 * One row per OSDP reader: plaintext (`secure: false`) is a warning, a secure reader without a
 * stored key a failure (it stays offline). Reads only whether a key exists, never prints one.
 */
export function checkOsdpReaders(settings: Settings): CheckResult[] {
  const readers = osdpReadersOf(settings);
  if (readers.length === 0) return [];
  const store = new OsdpKeyStore(settings.data_dir);
  return readers.map((r): CheckResult => {
    const name = `osdp ${r.id}`;
    const where = `${r.port} address ${r.address} at ${r.baud} baud`;
    if (!r.secure)
      return {
        name,
        status: "warn",
        detail: `${where}: Secure Channel is off (secure: false); card numbers cross the wire in the clear and can be replayed`,
        fix: `set secure: true and run \`doorward osdp install ${r.id}\``,
      };
    let hasKey: boolean;
    try {
      hasKey = store.get(r.id) !== null;
    } catch (err) {
      return {
        name,
        status: "fail",
        detail: (err as Error).message,
        fix: "restore osdp-keys.json from backup",
      };
    }
    return hasKey
      ? { name, status: "pass", detail: `${where}, Secure Channel key stored` }
      : {
          name,
          status: "fail",
          detail: `${where}: no Secure Channel key stored; the reader stays offline (secure_channel_failed)`,
          fix: `stop the service and run \`doorward osdp install ${r.id}\``,
        };
  });
}

/** "vendor 0a1b2c model 1 v2, serial 0x00001000, firmware 2.1.0": as the reader reports it. */
export function describeIdentity(id: PdIdentity): string {
  const serial = `0x${id.serial.toString(16).padStart(8, "0")}`;
  return `vendor ${id.vendor} model ${id.model} v${id.version}, serial ${serial}, firmware ${id.firmware}`;
}

const at = (ms: number | null) => (ms === null ? "never" : new Date(ms).toISOString());

/**
 * One row per OSDP reader with what the service recorded of it: its identity (osdp_PDID) and when
 * it was last seen. Online passes while the service runs; online with no service running warns
 * (the row outlived a service killed with -9: nobody polls the reader); installed (`osdp install`
 * set its key, no service has polled it since) and stopped pass; a reader never identified warns
 * (the service has not reached it); offline or Secure Channel failed fails, with its own reason.
 * `serviceRunning`: null when it cannot be told, and an online row is then taken as it is.
 */
export function checkOsdpIdentities(
  readers: readonly OsdpReaderSettings[],
  statuses: Record<string, OsdpReaderStatus | null> | null,
  serviceRunning: boolean | null = null,
): CheckResult[] {
  return readers.map((r): CheckResult => {
    const name = `reader ${r.id}`;
    const s = statuses?.[r.id] ?? null;
    // Seen but no identity: the reader answered everything but osdp_ID (NAK "unknown command").
    const who = s?.identity
      ? describeIdentity(s.identity)
      : s?.last_seen_ms
        ? "identity unknown (the reader does not answer osdp_ID)"
        : "never identified";
    if (!s)
      return {
        name,
        status: "warn",
        detail: `${who}: the service has not recorded this reader${statuses ? "" : " (no database yet)"}`,
        fix: "start the service; check the RS-485 wiring, address and baud (README, OSDP readers)",
      };
    switch (s.state) {
      case "online":
        if (serviceRunning === false)
          return {
            name,
            status: "warn",
            detail: `${who}; last recorded online since ${at(s.since_ms)}, but the service is not running: it ended without a clean stop (killed or crashed), so nobody polls this reader and its state is unknown`,
            fix: "start the service (sudo systemctl start doorward); journalctl -u doorward says why it ended",
          };
        return {
          name,
          status: "pass",
          detail: `${who}; online since ${at(s.since_ms)}, ${s.secure_channel ? "Secure Channel up" : "plaintext (secure: false)"}`,
        };
      case "installed":
        return {
          name,
          status: "pass",
          detail: `${who}; key installed ${at(s.since_ms)}, not polled by the service yet${serviceRunning ? "" : " (start the service)"}`,
        };
      case "stopped":
        return {
          name,
          status: "pass",
          detail: `${who}; last seen ${at(s.last_seen_ms)} (the service stopped)`,
        };
      default: {
        const what = s.state === "offline" ? "offline" : "Secure Channel failed";
        return {
          name,
          status: "fail",
          detail: `${who}; ${what} since ${at(s.since_ms)}: ${s.reason ?? "unknown"}; last seen ${at(s.last_seen_ms)}`,
          fix:
            s.state === "offline"
              ? "check the reader's power, the RS-485 wiring (A/B, termination), address and baud"
              : `check the reader's key: stop the service and run \`doorward osdp install ${r.id}\` (a reader holding another key must be reset to factory state first)`,
        };
      }
    }
  });
}
