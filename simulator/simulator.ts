import type { Clock, Level, SerialLink, SerialPortOpener, Transports } from "../devices/types.js";
import { SimGpioChip } from "./sim-gpio.js";
import { SimI2cBus } from "./sim-i2c.js";
import { VirtualDoor } from "./virtual-door.js";
import { VirtualTca8418 } from "./virtual-tca8418.js";

/** Where the virtual parts are wired: the same numbers the controller's config uses. */
export interface SimWiring {
  relay: { line: number; activeLow: boolean };
  doorContact: { line: number; activeLow: boolean };
  rex: { line: number; activeLow: boolean };
  ledGreen: { line: number; activeLow: boolean };
  ledRed: { line: number; activeLow: boolean };
  buzzer: { line: number; activeLow: boolean };
  keypadAddress: number;
  keypadInterruptLine: number | null;
}

export const defaultSimWiring: SimWiring = {
  relay: { line: 17, activeLow: false },
  doorContact: { line: 27, activeLow: false },
  rex: { line: 22, activeLow: false },
  ledGreen: { line: 5, activeLow: false },
  ledRed: { line: 6, activeLow: false },
  buzzer: { line: 13, activeLow: false },
  keypadAddress: 0x34,
  keypadInterruptLine: null,
};

const activeLevel = (activeLow: boolean): Level => (activeLow ? 0 : 1);
const idleLevel = (activeLow: boolean): Level => (activeLow ? 1 : 0);

/** Until a virtual serial device is plugged in, opening a port fails as it would on a Pi with nothing attached. */
class EmptySerialOpener implements SerialPortOpener {
  async open(path: string): Promise<SerialLink> {
    throw new Error(`no serial device at ${path}`);
  }
}

export interface Simulator {
  transports: Transports;
  gpio: SimGpioChip;
  i2c: SimI2cBus;
  keypad: VirtualTca8418;
  door: VirtualDoor;
  /** Which pins the parts sit on (the panel watches them to animate the LEDs, buzzer and bolt). */
  wiring: SimWiring;
  /** Presses and releases the request-to-exit button. */
  pressExit(): void;
  /** Electrical state of the indicator outputs, as a person would see and hear them. */
  indicators(): { green: boolean; red: boolean; buzzer: boolean };
}

/**
 * All the virtual hardware of one door, wired like the real one: a TCA8418 on the I2C bus,
 * a strike relay and door contact, a REX button, LEDs and a buzzer on GPIO. An instance per
 * call; time comes from the injected clock.
 */
export function createSimulator({ clock, wiring = defaultSimWiring }: { clock: Clock; wiring?: SimWiring }): Simulator {
  const gpio = new SimGpioChip(clock);
  const i2c = new SimI2cBus(clock);
  for (const input of [wiring.doorContact, wiring.rex]) gpio.pin(input.line, idleLevel(input.activeLow));
  const intPin = wiring.keypadInterruptLine === null ? undefined : gpio.pin(wiring.keypadInterruptLine, 1);
  const keypad = new VirtualTca8418({ clock, ...(intPin ? { intPin } : {}) });
  i2c.attach(wiring.keypadAddress, keypad);
  const door = new VirtualDoor(
    gpio.pin(wiring.relay.line, idleLevel(wiring.relay.activeLow)),
    gpio.pin(wiring.doorContact.line),
    clock,
    activeLevel(wiring.relay.activeLow),
    activeLevel(wiring.doorContact.activeLow),
  );
  const lit = (w: { line: number; activeLow: boolean }) => gpio.pin(w.line).level === activeLevel(w.activeLow);
  return {
    transports: { gpio, i2c, serial: new EmptySerialOpener() },
    gpio,
    i2c,
    keypad,
    door,
    wiring,
    pressExit() {
      const pin = gpio.pin(wiring.rex.line);
      pin.drive(activeLevel(wiring.rex.activeLow));
      clock.setTimeout(() => pin.drive(idleLevel(wiring.rex.activeLow)), 200);
    },
    indicators: () => ({ green: lit(wiring.ledGreen), red: lit(wiring.ledRed), buzzer: lit(wiring.buzzer) }),
  };
}
