import type { SimWiring } from "../simulator/simulator.js";
import type { Settings } from "./config/schema.js";

/** Wires the virtual parts to the same lines the config gives the controller. */
export function simWiringFromSettings(s: Settings): SimWiring {
  const w = (l: { line: number; active_low: boolean }) => ({ line: l.line, activeLow: l.active_low });
  return {
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
    wiegand: { d0Line: s.badge.wiegand.d0_line, d1Line: s.badge.wiegand.d1_line },
    rdm6300Path: s.badge.rdm6300.port,
  };
}
