import type { OsdpReaderSettings, ReaderSettings } from "../../config/door-schema.js";
import { doorsOf } from "../../config/doors.js";
import { OsdpKeyStore } from "../../osdp/osdp-key-store.js";
import { type OsdpReaderStatus, OsdpReaderStatusStore } from "../../osdp/reader-status.js";
import { readerDirection } from "../../site/site-config.js";
import type { Router } from "./router.js";
import type { WebDeps } from "./web-deps.js";

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** Whether a key is stored for the reader (never the key itself); null when the file is unreadable. */
function keyStored(store: OsdpKeyStore, id: string): boolean | null {
  try {
    return store.get(id) !== null;
  } catch {
    return null;
  }
}

/** Why an admin should look at this OSDP reader, in words for the page. */
function osdpWarnings(r: OsdpReaderSettings, stored: boolean | null): string[] {
  if (!r.secure)
    return [
      `Secure Channel is off (secure: false): card numbers cross the wire in the clear and can be replayed. Set secure: true and run doorward osdp install ${r.id}.`,
    ];
  if (stored === null)
    return [
      "The OSDP key file cannot be read: the reader stays offline. Restore osdp-keys.json from backup.",
    ];
  if (!stored)
    return [
      `No Secure Channel key stored: the reader stays offline. Stop the service and run doorward osdp install ${r.id}.`,
    ];
  return [];
}

/** The OSDP part of a reader's entry: configuration, what the service recorded, no key material. */
function osdpEntry(r: OsdpReaderSettings, status: OsdpReaderStatus | null, stored: boolean | null) {
  return {
    port: r.port,
    address: r.address,
    baud: r.baud,
    format: r.format,
    secure: r.secure,
    key_stored: r.secure ? stored : null,
    // never_seen: the service has not recorded this reader yet.
    state: status?.state ?? "never_seen",
    secure_channel: status?.secure_channel ?? false,
    reason: status?.reason ?? null,
    since: iso(status?.since_ms ?? null),
    last_seen: iso(status?.last_seen_ms ?? null),
    identity: status?.identity ?? null,
    identified: iso(status?.identified_ms ?? null),
  };
}

/**
 * GET /api/readers: every reader of every door with its kind and direction; an OSDP reader also
 * with its identity (osdp_PDID), Secure Channel state and warnings (plaintext, no key). The OSDP
 * state is what the service recorded in its database (see reader-status.ts), the same rows
 * `doorward doctor` reads; other readers are online as far as device health knows (null when it
 * cannot tell, e.g. a one-way Wiegand reader that has reported nothing).
 */
export function addReaderRoutes(router: Router, deps: WebDeps): void {
  router.add("GET", "/api/readers", () => {
    const statuses = new OsdpReaderStatusStore(deps.db);
    const keys = new OsdpKeyStore(deps.settings.data_dir);
    const health = deps.health.snapshot();
    const readers = doorsOf(deps.settings).flatMap((door) => {
      const unit = deps.units?.find((u) => u.id === door.id);
      return door.readers.map((r: ReaderSettings) => {
        const base = {
          door_id: door.id,
          id: r.id,
          kind: r.kind,
          direction: readerDirection(deps.settings, door, r.id),
        };
        if (r.kind === "osdp") {
          const status = statuses.get(r.id);
          const stored = r.secure ? keyStored(keys, r.id) : null;
          return {
            ...base,
            online: status?.state === "online",
            warnings: osdpWarnings(r, stored),
            osdp: osdpEntry(r, status, stored),
          };
        }
        const entry = unit ? health[unit.readerDevice(r)] : undefined;
        return { ...base, online: entry ? entry.state === "ok" : null, warnings: [], osdp: null };
      });
    });
    return { json: { readers } };
  });
}
