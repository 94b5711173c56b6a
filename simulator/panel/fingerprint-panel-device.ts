import { Command, Confirm } from "../../devices/fingerprint/packet-codec.js";
import type { VirtualR503 } from "../virtual-r503.js";
import type { PanelAction, PanelDevice } from "./panel-device.js";

export interface EnrolledFinger {
  slot: number;
  /** Whose finger it is, as the panel shows it (the simulator's own demo page, not an export). */
  label: string;
}

export interface FingerprintPanelOptions {
  /** The slots the controller maps to a person, read fresh on every render. */
  enrolled: () => EnrolledFinger[];
  /** Calls notify when the enrolled set may have changed (an enrolment, a removal). */
  watchEnrolled: (notify: () => void) => () => void;
}

/**
 * The simulator's R503 on the panel: place an enrolled finger, a new one (to enrol it from the
 * admin page: place, lift, place again), an unknown one, or lift. The same VirtualR503 the
 * console's `finger` command drives; the controller sees it only through the serial wire.
 */
export function fingerprintPanelDevice(sensor: VirtualR503, opts: FingerprintPanelOptions): PanelDevice {
  const listeners = new Set<() => void>();
  const notify = () => {
    for (const l of listeners) l();
  };
  let placed: string | null = null;
  let unknownCount = 0;
  // A "new finger" keeps its identity across place/lift/place (an enrolment needs the same
  // finger twice); once the sensor has stored it, the next "new finger" is another one.
  let newGeneration = 1;
  const newFingerId = () => `new-finger-${newGeneration}`;
  // What the sensor reported to the controller's last capture (GenImg): shows when a lift has been
  // seen, which the controller needs before it reads the next touch as a new finger.
  let sees = "nothing yet";
  sensor.onCommand((code, confirm) => {
    if (code !== Command.GenImg) return;
    const now = confirm === Confirm.noFinger ? "no finger" : "a finger";
    if (now === sees) return;
    sees = now;
    notify();
  });
  const stored = (id: string) => {
    for (let slot = 0; slot < sensor.librarySize; slot++) if (sensor.templateAt(slot) === id) return true;
    return false;
  };

  return {
    id: "fingerprint",
    label: "Fingerprint sensor",
    actions(): PanelAction[] {
      return [
        ...opts.enrolled().map((f) => ({ id: `place:${f.slot}`, label: `Place ${f.label}'s finger` })),
        { id: "place:new", label: "Place a new finger" },
        { id: "place:unknown", label: "Place an unknown finger" },
        { id: "lift", label: "Lift finger" },
      ];
    },
    run(action: string): void {
      if (action === "lift") {
        sensor.liftFinger();
        placed = null;
      } else if (action === "place:unknown") {
        sensor.placeFinger(`unknown-${++unknownCount}`);
        placed = "an unknown finger";
      } else if (action === "place:new") {
        if (stored(newFingerId())) newGeneration++;
        sensor.placeFinger(newFingerId());
        placed = "a new finger";
      } else {
        const m = /^place:(\d{1,4})$/.exec(action);
        const finger = m ? opts.enrolled().find((f) => f.slot === Number(m[1])) : undefined;
        if (!finger) throw new Error(`unknown fingerprint action '${action}'`);
        sensor.placeFinger(sensor.templateAt(finger.slot) ?? `finger-${finger.slot}`);
        placed = `${finger.label}'s finger`;
      }
      notify();
    },
    state() {
      const led = sensor.led;
      return {
        finger: placed ?? "none",
        sensor_sees: sees,
        led: led === null || led.control === 4 ? "off" : `colour ${led.colour}`,
        templates: sensor.templateCount,
      };
    },
    onChange(listener: () => void): () => void {
      listeners.add(listener);
      const offEnrolled = opts.watchEnrolled(listener);
      const offLed = sensor.onCommand((code) => {
        if (code === Command.AuraLedConfig) listener();
      });
      return () => {
        listeners.delete(listener);
        offEnrolled();
        offLed();
      };
    },
  };
}
