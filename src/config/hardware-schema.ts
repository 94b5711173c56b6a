import { z } from "zod";

/**
 * `hardware:` — which backend drives each kind of device. `backend` is the global default
 * (`simulated` runs everything on virtual chips, `pi` uses onoff, i2c-bus and serialport);
 * `gpio`, `i2c` and `serial` override it per transport so a bench can mix real and simulated
 * parts, e.g. a real relay through onoff with a simulated keypad.
 */
export const hardwareSchema = z
  .object({
    backend: z.enum(["simulated", "pi"]).default("simulated"),
    /** Lock relay, door contact, REX, LEDs, buzzer. null = follow `backend`. */
    gpio: z.enum(["simulated", "onoff", "johnny-five"]).nullable().default(null),
    /** The keypad's bus. null = follow `backend`. */
    i2c: z.enum(["simulated", "i2c-bus"]).nullable().default(null),
    /** Fingerprint module and serial badge readers. null = follow `backend`. */
    serial: z.enum(["simulated", "serialport"]).nullable().default(null),
    /** The Firmata board's serial port when `gpio: johnny-five`, e.g. /dev/ttyACM0. */
    firmata_port: z.string().min(1).nullable().default(null),
  })
  .strict()
  .superRefine((h, ctx) => {
    if (h.gpio === "johnny-five" && h.firmata_port === null)
      ctx.addIssue({
        code: "custom",
        path: ["firmata_port"],
        message: "required when hardware.gpio is johnny-five (e.g. /dev/ttyACM0)",
      });
  })
  .default({ backend: "simulated", gpio: null, i2c: null, serial: null, firmata_port: null });

export type HardwareSettings = z.infer<typeof hardwareSchema>;

export type GpioBackend = "simulated" | "onoff" | "johnny-five";
export type I2cBackend = "simulated" | "i2c-bus";
export type SerialBackend = "simulated" | "serialport";

export interface BackendChoice {
  gpio: GpioBackend;
  i2c: I2cBackend;
  serial: SerialBackend;
  firmataPort: string | null;
}

/**
 * The backend of each transport once the global default is applied. `forceSimulated` is the
 * CLI's --simulate: it wins over everything, so a Pi config can be tried without touching the door.
 */
export function chooseBackends(h: HardwareSettings, forceSimulated = false): BackendChoice {
  const pi = h.backend === "pi" && !forceSimulated;
  const pick = <T extends string>(explicit: T | null, real: T): T | "simulated" =>
    forceSimulated ? "simulated" : (explicit ?? (pi ? real : "simulated"));
  return {
    gpio: pick<GpioBackend>(h.gpio, "onoff"),
    i2c: pick<I2cBackend>(h.i2c, "i2c-bus"),
    serial: pick<SerialBackend>(h.serial, "serialport"),
    firmataPort: h.firmata_port,
  };
}

/** True when every transport is simulated (nothing on this machine is touched). */
export function allSimulated(c: BackendChoice): boolean {
  return c.gpio === "simulated" && c.i2c === "simulated" && c.serial === "simulated";
}
