import type { Clock, KeypadKey, Level, Transports } from "../devices/types.js";
import { SerialTxDevice } from "./serial-tx-device.js";
import { SimGpioChip } from "./sim-gpio.js";
import { SimI2cBus } from "./sim-i2c.js";
import { SimSerialOpener } from "./sim-serial.js";
import { VirtualDoor } from "./virtual-door.js";
import { VirtualPcf8574Matrix } from "./virtual-pcf8574-matrix.js";
import { VirtualR503 } from "./virtual-r503.js";
import { VirtualRdm6300 } from "./virtual-rdm6300.js";
import { VirtualTca8418 } from "./virtual-tca8418.js";
import { VirtualWiegandReader } from "./virtual-wiegand-reader.js";

/** Where the virtual parts are wired: the same numbers the controller's config uses. */
export interface SimWiring {
  relay: { line: number; activeLow: boolean };
  doorContact: { line: number; activeLow: boolean };
  rex: { line: number; activeLow: boolean };
  ledGreen: { line: number; activeLow: boolean };
  ledRed: { line: number; activeLow: boolean };
  buzzer: { line: number; activeLow: boolean };
  keypadDriver: "tca8418" | "pcf8574";
  keypadAddress: number;
  keypadInterruptLine: number | null;
  /** Serial path of the VirtualR503 (default /dev/ttyAMA0). */
  fingerprintPath?: string;
  fingerprintPassword?: number;
  /** GPIO lines of the Wiegand reader's D0/D1 (default 23/24). */
  wiegand?: { d0Line: number; d1Line: number };
  /** Serial path of the VirtualRdm6300 (default /dev/ttyUSB0). */
  rdm6300Path?: string;
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

/** Time between a key going down and up, and up and the next down (a brisk person). */
export const KEY_STEP_MS = 80;

const activeLevel = (activeLow: boolean): Level => (activeLow ? 0 : 1);
const idleLevel = (activeLow: boolean): Level => (activeLow ? 1 : 0);

/** Either keypad controller, seen by a person: press keys. */
export type VirtualKeypad = (VirtualTca8418 | VirtualPcf8574Matrix) & {
  press(key: KeypadKey): void;
  type(keys: string): void;
};

export interface Simulator {
  transports: Transports;
  gpio: SimGpioChip;
  i2c: SimI2cBus;
  keypad: VirtualKeypad;
  door: VirtualDoor;
  /** Serial ports: the fingerprint sensor and the RDM6300; other paths fail to open like an empty socket. */
  serial: SimSerialOpener;
  fingerprint: VirtualR503;
  wiegand: VirtualWiegandReader;
  rdm6300: VirtualRdm6300;
  /** Which pins the parts sit on (the panel watches them to animate the LEDs, buzzer and bolt). */
  wiring: SimWiring;
  /** Presses and releases the request-to-exit button. */
  pressExit(): void;
  /**
   * Types like a person: key down, key up, every KEY_STEP_MS of simulated time, so a PIN of any
   * allowed length fits the keypad controller's FIFO. Resolves after the last key is released.
   */
  typeKeys(keys: string): Promise<void>;
  /** Electrical state of the indicator outputs, as a person would see and hear them. */
  indicators(): { green: boolean; red: boolean; buzzer: boolean };
}

/**
 * All the virtual hardware of one door, wired like the real one: a TCA8418 on the I2C bus,
 * a strike relay and door contact, a REX button, LEDs and a buzzer on GPIO, an R503 fingerprint
 * sensor and an RDM6300 on serial ports, a Wiegand reader on two GPIO lines. An instance per
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
  for (const input of [wiring.doorContact, wiring.rex]) gpio.pin(input.line, idleLevel(input.activeLow));
  const intPin = wiring.keypadInterruptLine === null ? undefined : gpio.pin(wiring.keypadInterruptLine, 1);
  const keypad: VirtualKeypad =
    wiring.keypadDriver === "pcf8574"
      ? new VirtualPcf8574Matrix({ clock })
      : new VirtualTca8418({ clock, ...(intPin ? { intPin } : {}) });
  i2c.attach(wiring.keypadAddress, keypad);
  const door = new VirtualDoor(
    gpio.pin(wiring.relay.line, idleLevel(wiring.relay.activeLow)),
    gpio.pin(wiring.doorContact.line),
    clock,
    activeLevel(wiring.relay.activeLow),
    activeLevel(wiring.doorContact.activeLow),
  );
  const serial = new SimSerialOpener(clock);
  const fingerprint = new VirtualR503({ clock, password: wiring.fingerprintPassword ?? 0 });
  serial.addDevice(wiring.fingerprintPath ?? "/dev/ttyAMA0", fingerprint);
  const rdmWire = new SerialTxDevice();
  serial.addDevice(wiring.rdm6300Path ?? "/dev/ttyUSB0", rdmWire);
  const rdm6300 = new VirtualRdm6300({ wire: rdmWire, clock });
  const wiegandLines = wiring.wiegand ?? { d0Line: 23, d1Line: 24 };
  const wiegand = new VirtualWiegandReader({
    d0: gpio.pin(wiegandLines.d0Line, 1),
    d1: gpio.pin(wiegandLines.d1Line, 1),
    clock,
  });
  const lit = (w: { line: number; activeLow: boolean }) =>
    gpio.pin(w.line).level === activeLevel(w.activeLow);
  return {
    transports: { gpio, i2c, serial },
    gpio,
    i2c,
    keypad,
    door,
    serial,
    fingerprint,
    wiegand,
    rdm6300,
    wiring,
    pressExit() {
      const pin = gpio.pin(wiring.rex.line);
      pin.drive(activeLevel(wiring.rex.activeLow));
      clock.setTimeout(() => pin.drive(idleLevel(wiring.rex.activeLow)), 200);
    },
    indicators: () => ({ green: lit(wiring.ledGreen), red: lit(wiring.ledRed), buzzer: lit(wiring.buzzer) }),
    typeKeys(keys) {
      const presses = [...keys] as KeypadKey[];
      if (presses.length === 0) return Promise.resolve();
      return new Promise<void>((resolve) => {
        presses.forEach((key, i) => {
          clock.setTimeout(() => keypad.keyDown(key), 2 * i * KEY_STEP_MS);
          clock.setTimeout(
            () => {
              keypad.keyUp(key);
              if (i === presses.length - 1) resolve();
            },
            (2 * i + 1) * KEY_STEP_MS,
          );
        });
      });
    },
  };
}
