import type { PdIdentity } from "../../devices/osdp/messages.js";
import { OsdpBus } from "../../devices/osdp/osdp-bus.js";
import { OsdpReader } from "../../devices/osdp/osdp-reader.js";
import type { Clock, SerialPortOpener } from "../../devices/types.js";
import type { OsdpReaderSettings } from "../config/door-schema.js";
import type { OsdpKeyStore } from "./osdp-key-store.js";

export class OsdpInstallError extends Error {}

/**
 * Install mode for one reader (`doorward osdp install READER`, run with the service stopped: the
 * service owns the port). Connects with the default key SCBK-D, has the CP draw a fresh random
 * key, stores it in osdp-keys.json (0600, fsync'd) *before* sending it, sends it with osdp_KEYSET
 * inside the Secure Channel, and succeeds only once the reader is back online under the new key.
 * A reader that already has a key refuses SCBK-D: that is reported, nothing is stored.
 */
export async function installReaderKey(opts: {
  reader: OsdpReaderSettings;
  serial: SerialPortOpener;
  clock: Clock;
  keys: OsdpKeyStore;
  timeoutMs?: number;
}): Promise<{ identity: PdIdentity | null }> {
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
    return { identity: reader.identity };
  } finally {
    bus.stop();
    await link.close().catch(() => undefined);
  }
}
