import type { PdIdentity } from "../../devices/osdp/messages.js";
import { OsdpBus } from "../../devices/osdp/osdp-bus.js";
import { OsdpReader } from "../../devices/osdp/osdp-reader.js";
import type { Clock, SerialPortOpener } from "../../devices/types.js";
import type { OsdpReaderSettings } from "../config/door-schema.js";
import type { OsdpKeyStore } from "./osdp-key-store.js";
import type { OsdpReaderStatusStore } from "./reader-status.js";

export class OsdpInstallError extends Error {}

export interface InstallResult {
  /** What the reader reported to osdp_ID; null when it does not implement it. */
  identity: PdIdentity | null;
  /** Whether the `installed` status row was written. */
  recorded: boolean;
  /** Why the row could not be written (the install itself succeeded). */
  recordError: string | null;
}

/**
 * Install mode for one reader (`doorward osdp install READER`, run with the service stopped: the
 * service owns the port). Connects with the default key SCBK-D, has the CP draw a fresh random
 * key, stores it in osdp-keys.json (0600, fsync'd) *before* sending it, sends it with osdp_KEYSET
 * inside the Secure Channel, and succeeds only once the reader is back online under the new key.
 * A reader that already has a key refuses SCBK-D: that is reported, nothing is stored.
 *
 * The reader's identity comes from the osdp_ID that opens every connection (null when the reader
 * NAKs it as unknown); it is recorded in the reader's status row, state `installed`, so doctor
 * and the admin page know the reader before the service first polls it. Never the key. A failed
 * record write does not undo the install: the key is set and stored, the row is for people.
 */
export async function installReaderKey(opts: {
  reader: OsdpReaderSettings;
  serial: SerialPortOpener;
  clock: Clock;
  keys: OsdpKeyStore;
  /** Where the status row goes; null when there is no database yet (the service makes it). */
  status?: OsdpReaderStatusStore | null;
  timeoutMs?: number;
}): Promise<InstallResult> {
  const { reader: r, clock, keys } = opts;
  const link = await opts.serial.open(r.port, r.baud);
  let lastFault = "no reply";
  let stored = false;
  const reader = new OsdpReader({
    device: `osdp:${r.id}`,
    address: r.address,
    clock,
    secure: true,
    events: { deviceFault: ({ detail }) => (lastFault = detail) },
    install: {
      installKey: async (key) => {
        keys.set(r.id, key);
        stored = true;
      },
    },
  });
  const bus = new OsdpBus({ link, clock });
  bus.add(reader);
  bus.start();
  try {
    await new Promise<void>((resolve, reject) => {
      const deadline = clock.now() + (opts.timeoutMs ?? 30_000);
      const check = () => {
        if (reader.online && reader.secureChannelActive) return resolve();
        if (clock.now() >= deadline)
          return reject(
            new OsdpInstallError(
              stored
                ? `the key was stored but the reader did not come back under it (${lastFault}); reset the reader to factory state and run install again`
                : `the reader did not accept install mode (${lastFault}); a reader that already has a key must be reset to factory state first`,
            ),
          );
        clock.setTimeout(check, 50);
      };
      check();
    });
    const identity = reader.identity;
    if (!opts.status) return { identity, recorded: false, recordError: null };
    try {
      opts.status.recordInstalled(r.id, identity, clock.now());
      return { identity, recorded: true, recordError: null };
    } catch (err) {
      return { identity, recorded: false, recordError: (err as Error).message };
    }
  } finally {
    bus.stop();
    await link.close().catch(() => undefined);
  }
}
