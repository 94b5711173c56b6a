import type { WiegandFormat } from "../devices/badge/wiegand-frame.js";
import type { Clock, KeypadKey, Level } from "../devices/types.js";
import { queueKeystrokes } from "./keystrokes.js";
import { OrderedSteps } from "./ordered-steps.js";
import { SerialTxDevice } from "./serial-tx-device.js";
import type { SimGpioChip } from "./sim-gpio.js";
import type { SimI2cBus } from "./sim-i2c.js";
import type { SimSerialOpener } from "./sim-serial.js";
import { VirtualDoor } from "./virtual-door.js";
import { VirtualOsdpLine, VirtualOsdpPd } from "./virtual-osdp-pd.js";
import { VirtualPcf8574Matrix } from "./virtual-pcf8574-matrix.js";
import { VirtualR503 } from "./virtual-r503.js";
import { VirtualRdm6300 } from "./virtual-rdm6300.js";
import { VirtualTca8418 } from "./virtual-tca8418.js";
import { VirtualWiegandReader } from "./virtual-wiegand-reader.js";

export interface PinWiring {
  line: number;
  activeLow: boolean;
}

/** One door of a several-door simulator: its lines and its readers, each on its own bus address, port or lines. */
export interface SimDoorWiring {
  id: string;
  relay: PinWiring;
  doorContact: PinWiring;
  rex: PinWiring;
  ledGreen: PinWiring | null;
  ledRed: PinWiring | null;
  buzzer: PinWiring | null;
  readers: SimReaderWiring[];
}

export type SimReaderWiring =
  | {
      id: string;
      kind: "keypad";
      driver: "tca8418" | "pcf8574";
      address: number;
      interruptLine: number | null;
    }
  | { id: string; kind: "fingerprint"; path: string; password: number }
  | { id: string; kind: "wiegand"; d0Line: number; d1Line: number; formats?: WiegandFormat[] }
  | { id: string; kind: "rdm6300"; path: string }
  | {
      id: string;
      kind: "osdp";
      path: string;
      address: number;
      secure: boolean;
      format: OsdpCardFormat;
      /** The reader's SCBK as the controller stores it; null = factory state (install mode only). */
      key: Buffer | null;
    };

/** The config's card format names (src/config/door-schema.ts). */
export type OsdpCardFormat = "h10301" | "h10306" | "h10304" | "corp1000" | "raw";

/** Either keypad controller, seen by a person: press keys. */
export type VirtualKeypad = (VirtualTca8418 | VirtualPcf8574Matrix) & {
  press(key: KeypadKey): void;
  type(keys: string): void;
};

export type VirtualReader =
  | { id: string; kind: "keypad"; device: VirtualKeypad }
  | { id: string; kind: "fingerprint"; device: VirtualR503 }
  | { id: string; kind: "wiegand"; device: VirtualWiegandReader }
  | { id: string; kind: "rdm6300"; device: VirtualRdm6300 }
  | { id: string; kind: "osdp"; device: VirtualOsdpPd; format: OsdpCardFormat };

/** The virtual part behind each kind of reader. */
export interface ReaderDevices {
  keypad: VirtualKeypad;
  fingerprint: VirtualR503;
  wiegand: VirtualWiegandReader;
  rdm6300: VirtualRdm6300;
  osdp: VirtualOsdpPd;
}

/** Time between a key going down and up, and up and the next down (a brisk person). */
export const KEY_STEP_MS = 80;

export const activeLevel = (activeLow: boolean): Level => (activeLow ? 0 : 1);
export const idleLevel = (activeLow: boolean): Level => (activeLow ? 1 : 0);

/** One virtual door and its readers, as a person meets them. */
export interface SimDoor {
  id: string;
  door: VirtualDoor;
  wiring: SimDoorWiring;
  readers: VirtualReader[];
  /** The door's keypad of this id, or its first keypad. */
  keypad(readerId?: string): VirtualKeypad;
  pressExit(): void;
  typeKeys(keys: string, readerId?: string): Promise<void>;
  indicators(): { green: boolean; red: boolean; buzzer: boolean };
}

export interface SimParts {
  clock: Clock;
  gpio: SimGpioChip;
  i2c: SimI2cBus;
  serial: SimSerialOpener;
  /** OSDP lines by port: readers of several doors may share one RS-485 bus. */
  osdpLines?: Map<string, VirtualOsdpLine>;
}

/** Wires one virtual door and its readers onto the shared virtual GPIO chip, I2C bus and serial ports. */
export function createSimDoor(p: SimParts, w: SimDoorWiring): SimDoor {
  const { clock, gpio } = p;
  for (const input of [w.doorContact, w.rex]) gpio.pin(input.line, idleLevel(input.activeLow));
  const door = new VirtualDoor(
    gpio.pin(w.relay.line, idleLevel(w.relay.activeLow)),
    gpio.pin(w.doorContact.line),
    clock,
    activeLevel(w.relay.activeLow),
    activeLevel(w.doorContact.activeLow),
  );
  const readers = w.readers.map((r) => createReader(p, r));
  const keypad = (readerId?: string): VirtualKeypad => {
    const found = readers.find((r) => r.kind === "keypad" && (readerId === undefined || r.id === readerId));
    if (found?.kind !== "keypad")
      throw new Error(`door ${w.id} has no keypad${readerId ? ` '${readerId}'` : ""}`);
    return found.device;
  };
  const lit = (l: PinWiring | null) => l !== null && gpio.pin(l.line).level === activeLevel(l.activeLow);
  return {
    id: w.id,
    door,
    wiring: w,
    readers,
    keypad,
    pressExit() {
      const pin = gpio.pin(w.rex.line);
      pin.drive(activeLevel(w.rex.activeLow));
      clock.setTimeout(() => pin.drive(idleLevel(w.rex.activeLow)), 200);
    },
    indicators: () => ({ green: lit(w.ledGreen), red: lit(w.ledRed), buzzer: lit(w.buzzer) }),
    typeKeys: (keys, readerId) => typePaced(clock, keypad(readerId), keys),
  };
}

function createReader(p: SimParts, r: SimReaderWiring): VirtualReader {
  const { clock, gpio } = p;
  switch (r.kind) {
    case "keypad": {
      const intPin = r.interruptLine === null ? undefined : gpio.pin(r.interruptLine, 1);
      const device: VirtualKeypad =
        r.driver === "pcf8574"
          ? new VirtualPcf8574Matrix({ clock })
          : new VirtualTca8418({ clock, ...(intPin ? { intPin } : {}) });
      p.i2c.attach(r.address, device);
      return { id: r.id, kind: "keypad", device };
    }
    case "fingerprint": {
      const device = new VirtualR503({ clock, password: r.password });
      p.serial.addDevice(r.path, device);
      return { id: r.id, kind: "fingerprint", device };
    }
    case "wiegand": {
      const device = new VirtualWiegandReader({
        d0: gpio.pin(r.d0Line, 1),
        d1: gpio.pin(r.d1Line, 1),
        clock,
        formats: r.formats,
      });
      return { id: r.id, kind: "wiegand", device };
    }
    case "rdm6300": {
      const wire = new SerialTxDevice();
      p.serial.addDevice(r.path, wire);
      return { id: r.id, kind: "rdm6300", device: new VirtualRdm6300({ wire, clock }) };
    }
    case "osdp": {
      const lines = p.osdpLines ?? new Map<string, VirtualOsdpLine>();
      let line = lines.get(r.path);
      if (!line) {
        line = new VirtualOsdpLine([]);
        lines.set(r.path, line);
        p.serial.addDevice(r.path, line);
      }
      const device = new VirtualOsdpPd({ clock, address: r.address, key: r.key });
      line.pds.push(device);
      return { id: r.id, kind: "osdp", device, format: r.format };
    }
  }
}

/**
 * Types like a person: key down, key up, every KEY_STEP_MS of simulated time, so a PIN of any
 * allowed length fits the keypad controller's FIFO. The keystrokes go out in order from one queue
 * with a single timer (a timer per keystroke could run reordered after a stall, see OrderedSteps).
 * Resolves after the last key is released.
 */
export function typePaced(clock: Clock, keypad: VirtualKeypad, keys: string): Promise<void> {
  return queueKeystrokes(new OrderedSteps(clock), keypad, [...keys] as KeypadKey[], KEY_STEP_MS, KEY_STEP_MS);
}
