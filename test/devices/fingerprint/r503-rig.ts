import { R503Fingerprint, type R503FingerprintOptions } from "../../../devices/fingerprint/r503-driver.js";
import type { DeviceEvents } from "../../../devices/types.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { SimSerialOpener } from "../../../simulator/sim-serial.js";
import { VirtualR503 } from "../../../simulator/virtual-r503.js";
import { seededRandom } from "../../helpers/seeded-random.js";

export const PATH = "/dev/ttyAMA0";

/** A driver wired to a VirtualR503 through the simulated opener, with events collected. */
export function r503Rig(opts: Partial<R503FingerprintOptions> = {}) {
  const clock = new FakeClock();
  const opener = new SimSerialOpener(clock, seededRandom(7));
  const sensor = new VirtualR503({ clock });
  opener.addDevice(PATH, sensor);
  const matched: DeviceEvents["fingerMatched"][] = [];
  const unknown: DeviceEvents["fingerUnknown"][] = [];
  const faults: DeviceEvents["deviceFault"][] = [];
  const recovered: DeviceEvents["deviceRecovered"][] = [];
  const commands: number[] = [];
  sensor.onCommand((code) => commands.push(code));
  const driver = new R503Fingerprint({
    clock,
    opener,
    path: PATH,
    events: {
      fingerMatched: (e) => matched.push(e),
      fingerUnknown: (e) => unknown.push(e),
      deviceFault: (e) => faults.push(e),
      deviceRecovered: (e) => recovered.push(e),
    },
    ...opts,
  });
  return { clock, opener, sensor, driver, matched, unknown, faults, recovered, commands };
}
