import type { SimDoorWiring, SimWiring } from "../simulator/simulator.js";
import type { DoorSettings, ReaderSettings } from "./config/door-schema.js";
import { doorsOf } from "./config/doors.js";
import type { Settings } from "./config/schema.js";
import type { OsdpKeySource } from "./osdp/osdp-buses.js";

const w = (l: { line: number; active_low: boolean }) => ({ line: l.line, activeLow: l.active_low });
const nullable = (l: { line: number; active_low: boolean } | null) => (l ? w(l) : null);

/** Wires the virtual parts to the same lines, addresses and ports the config gives the controller. */
export function simWiringFromSettings(s: Settings, osdpKeys?: OsdpKeySource): SimWiring {
  const single: SimWiring = {
    relay: w(s.gpio.relay),
    doorContact: w(s.gpio.door_contact),
    rex: w(s.gpio.rex),
    ledGreen: w(s.gpio.led_green),
    ledRed: w(s.gpio.led_red),
    buzzer: w(s.gpio.buzzer),
    keypadDriver: s.keypad.driver,
    keypadAddress: s.keypad.address,
    keypadInterruptLine: s.keypad.interrupt_gpio,
    fingerprintPath: s.fingerprint.port,
    fingerprintPassword: s.fingerprint.password,
    wiegand: {
      d0Line: s.badge.wiegand.d0_line,
      d1Line: s.badge.wiegand.d1_line,
      formats: s.badge.wiegand.formats,
    },
    rdm6300Path: s.badge.rdm6300.port,
  };
  // A single-door file keeps today's bench: every kind of reader is wired, fitted or not.
  if (s.doors === null) return single;
  return { ...single, doors: doorsOf(s).map((d) => simDoor(d, osdpKeys)) };
}

function simDoor(d: DoorSettings, osdpKeys?: OsdpKeySource): SimDoorWiring {
  return {
    id: d.id,
    relay: w(d.gpio.relay),
    doorContact: w(d.gpio.door_contact),
    rex: w(d.gpio.rex),
    ledGreen: nullable(d.gpio.led_green),
    ledRed: nullable(d.gpio.led_red),
    buzzer: nullable(d.gpio.buzzer),
    readers: d.readers.map((r) => simReader(r, osdpKeys)),
  };
}

function simReader(r: ReaderSettings, osdpKeys?: OsdpKeySource): SimDoorWiring["readers"][number] {
  switch (r.kind) {
    case "keypad":
      return {
        id: r.id,
        kind: "keypad",
        driver: r.driver,
        address: r.address,
        interruptLine: r.interrupt_gpio,
      };
    case "fingerprint":
      return { id: r.id, kind: "fingerprint", path: r.port, password: r.password };
    case "badge":
      return r.reader === "rdm6300"
        ? { id: r.id, kind: "rdm6300", path: r.rdm6300.port }
        : {
            id: r.id,
            kind: "wiegand",
            d0Line: r.wiegand.d0_line,
            d1Line: r.wiegand.d1_line,
            formats: r.wiegand.formats,
          };
    case "osdp":
      // The virtual reader holds the key the controller stored for it (as the real one would after
      // `doorward osdp install`); with none it is in factory state and accepts only install mode.
      return {
        id: r.id,
        kind: "osdp",
        path: r.port,
        address: r.address,
        secure: r.secure,
        format: r.format,
        key: storedKey(osdpKeys, r.id),
      };
  }
}

/** The stored key for a virtual reader; an unreadable key file leaves it in factory state. */
function storedKey(keys: OsdpKeySource | undefined, id: string): Buffer | null {
  try {
    return keys?.get(id)?.reveal() ?? null;
  } catch {
    return null;
  }
}
