import { EventEmitter } from "node:events";
import type { Clock, Level } from "../devices/types.js";
import { SimPin } from "./sim-gpio.js";

/** Pin modes as Firmata numbers them (johnny-five reads them from io.MODES). */
export const FIRMATA_MODES = {
  INPUT: 0x00,
  OUTPUT: 0x01,
  ANALOG: 0x02,
  PWM: 0x03,
  SERVO: 0x04,
  PULLUP: 0x0b,
} as const;

/** One entry of io.pins, the capability record johnny-five's Board copies at "ready". */
export interface VirtualFirmataPin {
  supportedModes: number[];
  mode: number;
  /** Input: last reported level. Output: the latched output bit (like an AVR PORT register). */
  value: number;
  report: number;
  analogChannel: number;
}

export interface VirtualFirmataIoOptions {
  clock: Clock;
  /** Digital pins 0..pinCount-1 (an Uno has 20 including A0..A5). */
  pinCount?: number;
  /** Time from construction to "connect" + "ready" (the board's reset and capability query); null = never. */
  bootMs?: number | null;
  /** Firmata's sampling interval: how long after a wire change the port report arrives. */
  reportLatencyMs?: number;
  /** Pins that cannot be used as GPIO (e.g. 0 and 1, the USB serial link on an Uno). */
  reservedPins?: number[];
}

export type VirtualFirmataCall =
  | { op: "pinMode"; pin: number; mode: number }
  | { op: "digitalWrite"; pin: number; value: number }
  | { op: "reportDigitalPin"; pin: number; value: number };

/**
 * An Arduino running StandardFirmata, seen through johnny-five's IO plugin surface: MODES, pins,
 * pinMode, digitalWrite, digitalRead callbacks, reportDigitalPin, and the "connect"/"ready"/"close"
 * events. The wire side of every pin is a SimPin (`wire(n)`), so virtual doors and buttons attach
 * the same way as on SimGpioChip. Firmware behaviours that matter for a lock are modelled:
 * - writing to an output latches the bit; switching a pin to OUTPUT drives the latched bit, so an
 *   output that was never written comes up LOW;
 * - writing 1 to an INPUT pin turns its pull-up on (Firmata 2.5 behaviour);
 * - reports are per 8-pin port: a change on one pin reports every reporting input of that port.
 */
export class VirtualFirmataIo extends EventEmitter {
  readonly name = "VirtualFirmata";
  readonly MODES = FIRMATA_MODES;
  readonly HIGH = 1;
  readonly LOW = 0;
  readonly RESOLUTION = { ADC: 1023, DAC: null, PWM: 255 };
  readonly analogPins: number[] = [];
  readonly defaultLed = 13;
  readonly pins: VirtualFirmataPin[] = [];
  /** Every call johnny-five (or our chip) made, in order, for golden-sequence tests. */
  readonly calls: VirtualFirmataCall[] = [];
  isReady = false;
  /** Fault injection: the firmware hangs and sends no more port reports (writes still "succeed"). */
  reportsMuted = false;
  private connected = false;
  private readonly wires: SimPin[] = [];
  private readonly clock: Clock;
  private readonly reportLatencyMs: number;
  private readonly pendingPorts = new Set<number>();

  constructor(opts: VirtualFirmataIoOptions) {
    super();
    this.clock = opts.clock;
    this.reportLatencyMs = opts.reportLatencyMs ?? 19;
    const reserved = new Set(opts.reservedPins ?? [0, 1]);
    const count = opts.pinCount ?? 20;
    for (let n = 0; n < count; n++) {
      const modes = reserved.has(n) ? [] : [FIRMATA_MODES.INPUT, FIRMATA_MODES.OUTPUT, FIRMATA_MODES.PULLUP];
      this.pins.push({
        supportedModes: modes,
        mode: FIRMATA_MODES.INPUT,
        value: 0,
        report: 0,
        analogChannel: 127,
      });
      const wire = new SimPin(n, 0);
      wire.onChange(() => this.wireChanged(n));
      this.wires.push(wire);
    }
    const bootMs = opts.bootMs === undefined ? 0 : opts.bootMs;
    if (bootMs !== null) this.clock.setTimeout(() => this.boot(), bootMs);
  }

  /** The electrical side of pin n: drive() an input, observe an output with onChange(). */
  wire(n: number): SimPin {
    const wire = this.wires[n];
    if (!wire) throw new Error(`virtual Firmata board has no pin ${n}`);
    return wire;
  }

  /** Fault injection: the USB cable is pulled. Later calls throw as a closed transport would. */
  disconnect(): void {
    if (!this.connected) return;
    this.connected = false;
    this.isReady = false;
    this.emit("close");
  }

  pinMode(pin: number, mode: number): void {
    const rec = this.record(pin);
    this.calls.push({ op: "pinMode", pin, mode });
    rec.mode = mode;
    if (mode === FIRMATA_MODES.OUTPUT) this.wire(pin).set(rec.value ? 1 : 0);
  }

  digitalWrite(pin: number, value: number): void {
    const rec = this.record(pin);
    this.calls.push({ op: "digitalWrite", pin, value });
    rec.value = value ? 1 : 0;
    if (rec.mode === FIRMATA_MODES.OUTPUT) this.wire(pin).set(rec.value as Level);
    else if (rec.mode === FIRMATA_MODES.INPUT && rec.value === 1) rec.mode = FIRMATA_MODES.PULLUP;
  }

  digitalRead(pin: number, callback: (value: number) => void): void {
    this.reportDigitalPin(pin, 1);
    this.on(`digital-read-${pin}`, callback);
  }

  /** Firmata enables reporting per port; the pin flag is kept for johnny-five's bookkeeping. */
  reportDigitalPin(pin: number, value: number): void {
    const rec = this.record(pin);
    this.calls.push({ op: "reportDigitalPin", pin, value });
    for (let n = pin & ~7; n < (pin & ~7) + 8 && n < this.pins.length; n++) {
      const other = this.pins[n];
      if (other) other.report = value ? 1 : 0;
    }
    rec.report = value ? 1 : 0;
    if (value) this.scheduleReport(pin >> 3);
  }

  queryPinState(pin: number, callback: () => void): void {
    this.record(pin);
    this.clock.setTimeout(callback, 0);
  }

  private boot(): void {
    this.connected = true;
    this.emit("connect");
    this.isReady = true;
    this.emit("ready");
  }

  private record(pin: number): VirtualFirmataPin {
    if (!this.connected) throw new Error("virtual Firmata transport is not open");
    const rec = this.pins[pin];
    if (!rec) throw new Error(`virtual Firmata board has no pin ${pin}`);
    return rec;
  }

  private isInput(rec: VirtualFirmataPin): boolean {
    return rec.mode === FIRMATA_MODES.INPUT || rec.mode === FIRMATA_MODES.PULLUP;
  }

  private wireChanged(pin: number): void {
    const rec = this.pins[pin];
    if (this.connected && rec && this.isInput(rec) && rec.report) this.scheduleReport(pin >> 3);
  }

  /** Coalesces changes within one sampling interval into one port report, as the firmware does. */
  private scheduleReport(port: number): void {
    if (this.pendingPorts.has(port)) return;
    this.pendingPorts.add(port);
    this.clock.setTimeout(() => {
      this.pendingPorts.delete(port);
      if (!this.connected || this.reportsMuted) return;
      for (let n = port * 8; n < port * 8 + 8 && n < this.pins.length; n++) {
        const rec = this.pins[n];
        if (!rec || !this.isInput(rec)) continue;
        rec.value = this.wire(n).level;
        this.emit(`digital-read-${n}`, rec.value);
      }
    }, this.reportLatencyMs);
  }
}
