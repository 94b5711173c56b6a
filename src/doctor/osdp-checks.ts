import type { OsdpReaderSettings } from "../config/door-schema.js";
import { doorsOf } from "../config/doors.js";
import type { Settings } from "../config/schema.js";
import { OsdpKeyStore } from "../osdp/osdp-key-store.js";
import type { CheckResult } from "./checks.js";

/**
 * One row per OSDP reader: plaintext (`secure: false`) is a warning, a secure reader without a
 * stored key a failure (it stays offline). Reads only whether a key exists, never prints one.
 */
export function checkOsdpReaders(settings: Settings): CheckResult[] {
  const readers = doorsOf(settings)
    .flatMap((d) => d.readers)
    .filter((r): r is OsdpReaderSettings => r.kind === "osdp");
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
