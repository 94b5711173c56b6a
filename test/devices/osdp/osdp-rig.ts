import { OsdpBus } from "../../../devices/osdp/osdp-bus.js";
import { OsdpReader, type OsdpReaderOptions } from "../../../devices/osdp/osdp-reader.js";
import { SecretKey } from "../../../devices/osdp/secure-channel.js";
import type { SerialLink } from "../../../devices/types.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { type SimLineFaults, SimSerialLine } from "../../../simulator/sim-serial.js";
import { VirtualOsdpPd, type VirtualOsdpPdOptions } from "../../../simulator/virtual-osdp-pd.js";
import { seededRandom } from "../../helpers/seeded-random.js";

/** The site key every rig reader and PD share unless a test says otherwise. */
export const SITE_KEY_HEX = "7c3e9a51d2f04b86a1e5c9d7f3b20486";
export const SITE_KEY = Buffer.from(SITE_KEY_HEX, "hex");

export type RecordedEvent = { kind: string } & Record<string, unknown>;

export interface RigOptions {
  pds?: Array<Partial<Omit<VirtualOsdpPdOptions, "clock">> & { address: number }>;
  reader?: Partial<OsdpReaderOptions>;
  toDevice?: Partial<SimLineFaults>;
  toHost?: Partial<SimLineFaults>;
  seed?: number;
  /** The RS-485 adapter hears its own transmissions (common without a hardware echo cancel). */
  echo?: boolean;
}

/** A CP bus and virtual PDs on one simulated RS-485 line, on a fake clock. */
export function osdpRig(opts: RigOptions = {}) {
  const clock = new FakeClock();
  const random = seededRandom(opts.seed ?? 13);
  const line = new SimSerialLine(clock, { random });
  Object.assign(line.toDevice, opts.toDevice);
  Object.assign(line.toHost, opts.toHost);
  const pdSpecs = opts.pds ?? [{ address: 1 }];
  const pds = pdSpecs.map((spec) => new VirtualOsdpPd({ clock, key: SITE_KEY, ...spec }));
  for (const pd of pds) pd.attach(line.device);
  const events: RecordedEvent[] = [];
  const record =
    (kind: string) =>
    (e: object): void => {
      events.push({ kind, ...e });
    };
  const host = line.host;
  const link: SerialLink = opts.echo
    ? {
        write: async (bytes) => {
          await host.write(bytes);
          line.device.inject(bytes);
        },
        onData: (cb) => host.onData(cb),
        onClose: (cb) => host.onClose(cb),
        close: () => host.close(),
      }
    : host;
  const bus = new OsdpBus({ link, clock });
  const readers = pds.map(
    (pd) =>
      new OsdpReader({
        device: `osdp:${pd.address}`,
        address: pd.address,
        clock,
        key: new SecretKey(SITE_KEY),
        events: {
          cardRead: record("card"),
          keypad: record("keypad"),
          tamper: record("tamper"),
          power: record("power"),
          identity: record("identity"),
          deviceFault: record("fault"),
          deviceRecovered: record("recovered"),
        },
        ...opts.reader,
      }),
  );
  for (const reader of readers) bus.add(reader);
  bus.start();
  const of = (kind: string) => events.filter((e) => e.kind === kind);
  return {
    clock,
    line,
    pds,
    readers,
    bus,
    events,
    of,
    pd: pds[0] as VirtualOsdpPd,
    reader: readers[0] as OsdpReader,
  };
}
