import type { WiegandFormat } from "../devices/badge/wiegand-frame.js";
import type { Clock, Transports } from "../devices/types.js";
import { SerialTxDevice } from "./serial-tx-device.js";
import {
  createSimDoor,
  type PinWiring,
  type SimDoor,
  type SimDoorWiring,
  type VirtualKeypad,
} from "./sim-doors.js";
import { SimGpioChip } from "./sim-gpio.js";
import { SimI2cBus } from "./sim-i2c.js";
import { SimSerialOpener } from "./sim-serial.js";
import type { VirtualDoor } from "./virtual-door.js";
import { VirtualR503 } from "./virtual-r503.js";
import { VirtualRdm6300 } from "./virtual-rdm6300.js";
import { VirtualTca8418 } from "./virtual-tca8418.js";
import { VirtualWiegandReader } from "./virtual-wiegand-reader.js";

export { KEY_STEP_MS, type SimDoor, type SimDoorWiring, type VirtualKeypad } from "./sim-doors.js";

/**
 * Where the virtual parts are wired: the same numbers the controller's config uses. The fields
 * describe one door with every kind of reader; `doors`, when given, replaces them with a list.
 */
export interface SimWiring {
  relay: PinWiring;
  doorContact: PinWiring;
  rex: PinWiring;
  ledGreen: PinWiring;
  ledRed: PinWiring;
  buzzer: PinWiring;
  keypadDriver: "tca8418" | "pcf8574";
  keypadAddress: number;
  keypadInterruptLine: number | null;
  /** Serial path of the VirtualR503 (default /dev/ttyAMA0). */
  fingerprintPath?: string;
  fingerprintPassword?: number;
  /** GPIO lines of the Wiegand reader's D0/D1 (default 23/24). */
  wiegand?: { d0Line: number; d1Line: number; formats?: WiegandFormat[] };
  /** Serial path of the VirtualRdm6300 (default /dev/ttyUSB0). */
  rdm6300Path?: string;
  /** Several doors, each with only the readers it lists. */
  doors?: SimDoorWiring[];
}

export const defaultSimWiring: SimWiring = {
  relay: { line: 17, activeLow: false },
  doorContact: { line: 27, activeLow: false },
  rex: { line: 22, activeLow: false },
  ledGreen: { line: 5, activeLow: false },
  ledRed: { line: 6, activeLow: false },
  buzzer: { line: 13, activeLow: false },
  keypadDriver: "tca8418",
  keypadAddress: 0x34,
  keypadInterruptLine: null,
};

export interface Simulator {
  transports: Transports;
  gpio: SimGpioChip;
  i2c: SimI2cBus;
  /** Every virtual door, in config order; the fields below are the first door's. */
  doors: SimDoor[];
  /** The door of this id, or the one owning the reader of this id. */
  doorOf(name: string): SimDoor;
  keypad: VirtualKeypad;
  door: VirtualDoor;
  /** Serial ports: the fingerprint sensor and the RDM6300; other paths fail to open like an empty socket. */
  serial: SimSerialOpener;
  fingerprint: VirtualR503;
  wiegand: VirtualWiegandReader;
  rdm6300: VirtualRdm6300;
  /** Which pins the parts sit on (the panel watches them to animate the LEDs, buzzer and bolt). */
  wiring: SimWiring;
  /** Presses and releases the first door's request-to-exit button. */
  pressExit(): void;
  /**
   * Types like a person on the first door's keypad: key down, key up, every KEY_STEP_MS of
   * simulated time. Resolves after the last key is released.
   */
  typeKeys(keys: string): Promise<void>;
  /** Electrical state of the first door's indicator outputs, as a person would see and hear them. */
  indicators(): { green: boolean; red: boolean; buzzer: boolean };
}

/** The single-door wiring as one door with a keypad, a fingerprint sensor, a Wiegand reader and an RDM6300. */
function singleDoor(w: SimWiring): SimDoorWiring {
  const wiegand = w.wiegand ?? { d0Line: 23, d1Line: 24 };
  return {
    id: "door",
    relay: w.relay,
    doorContact: w.doorContact,
    rex: w.rex,
    ledGreen: w.ledGreen,
    ledRed: w.ledRed,
    buzzer: w.buzzer,
    readers: [
      {
        id: "keypad",
        kind: "keypad",
        driver: w.keypadDriver,
        address: w.keypadAddress,
        interruptLine: w.keypadInterruptLine,
      },
      {
        id: "fingerprint",
        kind: "fingerprint",
        path: w.fingerprintPath ?? "/dev/ttyAMA0",
        password: w.fingerprintPassword ?? 0,
      },
      { id: "rdm6300", kind: "rdm6300", path: w.rdm6300Path ?? "/dev/ttyUSB0" },
      { id: "badge", kind: "wiegand", ...wiegand },
    ],
  };
}

/**
 * All the virtual hardware of the doors, wired like the real ones: TCA8418s on the I2C bus,
 * strike relays and door contacts, REX buttons, LEDs and buzzers on GPIO, R503 fingerprint
 * sensors and RDM6300s on serial ports, Wiegand readers on two GPIO lines each. An instance per
 * call; time comes from the injected clock.
 */
export function createSimulator({
  clock,
  wiring = defaultSimWiring,
}: {
  clock: Clock;
  wiring?: SimWiring;
}): Simulator {
  const gpio = new SimGpioChip(clock);
  const i2c = new SimI2cBus(clock);
  const serial = new SimSerialOpener(clock);
  const parts = { clock, gpio, i2c, serial, osdpLines: new Map() };
  const doors = (wiring.doors ?? [singleDoor(wiring)]).map((w) => createSimDoor(parts, w));
  const first = doors[0] as SimDoor;
  const firstOf = <K extends "fingerprint" | "wiegand" | "rdm6300">(kind: K) => {
    for (const d of doors) for (const r of d.readers) if (r.kind === kind) return r.device;
    return undefined;
  };
  const firstKeypad = doors.flatMap((d) => d.readers).find((r) => r.kind === "keypad");
  // A listed config may lack a kind of reader: a part wired to nothing stands in, so the
  // single-door fields always exist (and nothing reaches it).
  const fingerprint = (firstOf("fingerprint") as VirtualR503 | undefined) ?? new VirtualR503({ clock });
  const wiegand =
    (firstOf("wiegand") as VirtualWiegandReader | undefined) ??
    new VirtualWiegandReader({ d0: gpio.pin(1000, 1), d1: gpio.pin(1001, 1), clock });
  const rdm6300 =
    (firstOf("rdm6300") as VirtualRdm6300 | undefined) ??
    new VirtualRdm6300({ wire: new SerialTxDevice(), clock });
  const doorOf = (name: string): SimDoor => {
    const found = doors.find((d) => d.id === name) ?? doors.find((d) => d.readers.some((r) => r.id === name));
    if (!found) throw new Error(`no door or reader '${name}' (doors: ${doors.map((d) => d.id).join(", ")})`);
    return found;
  };
  return {
    transports: { gpio, i2c, serial },
    gpio,
    i2c,
    doors,
    doorOf,
    // A door with OSDP readers only has no keypad: a stand-in wired to nothing, like the others.
    keypad: (firstKeypad?.device as VirtualKeypad | undefined) ?? new VirtualTca8418({ clock }),
    door: first.door,
    serial,
    fingerprint,
    wiegand,
    rdm6300,
    wiring,
    pressExit: () => first.pressExit(),
    indicators: () => first.indicators(),
    typeKeys: (keys) =>
      firstKeypad ? doorOf(firstKeypad.id).typeKeys(keys, firstKeypad.id) : first.typeKeys(keys),
  };
}
