import type { GpioChip, I2cBus, SerialPortOpener, Transports } from "../types.js";

export type GpioBackendName = "simulated" | "onoff" | "johnny-five";
export type I2cBackendName = "simulated" | "i2c-bus";
export type SerialBackendName = "simulated" | "serialport";

export interface TransportChoice {
  gpio: GpioBackendName;
  i2c: I2cBackendName;
  serial: SerialBackendName;
  /** /dev/i2c-N of the keypad. */
  i2cBusNumber: number;
  /** The Firmata board's port, required for johnny-five. */
  firmataPort: string | null;
}

/**
 * How each real backend is brought up. The defaults import the native modules lazily (and only
 * here); tests inject loaders so selection is checked on any machine.
 */
export interface BackendLoaders {
  onoff(): Promise<GpioChip>;
  johnnyFive(port: string): Promise<GpioChip>;
  i2cBus(busNumber: number): Promise<I2cBus>;
  serialport(): Promise<SerialPortOpener>;
}

export const realBackendLoaders: BackendLoaders = {
  async onoff() {
    const { OnoffGpioChip } = await import("./onoff-gpio.js");
    return OnoffGpioChip.create();
  },
  async johnnyFive(port) {
    const { JohnnyFiveGpioChip } = await import("./johnny-five-gpio.js");
    // A variable specifier keeps firmata (and its serialport) out of the type graph.
    const specifier = "firmata";
    const mod = (await import(specifier)) as { default: new (port: string) => unknown };
    const io = new mod.default(port) as Parameters<typeof JohnnyFiveGpioChip.connect>[0];
    return JohnnyFiveGpioChip.connect(io);
  },
  async i2cBus(busNumber) {
    const { I2cBusBackend } = await import("./i2c-bus-backend.js");
    return I2cBusBackend.open(busNumber);
  },
  async serialport() {
    const { SerialportOpener } = await import("./serialport-link.js");
    return new SerialportOpener();
  },
};

/** A transport that could not be brought up; the message names which one and why. */
export class TransportError extends Error {
  constructor(
    readonly transport: "gpio" | "i2c" | "serial",
    readonly backend: string,
    cause: unknown,
  ) {
    super(`${transport} backend '${backend}': ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
    this.name = "TransportError";
  }
}

/**
 * Builds the transports the config asks for, one backend per kind. `simulated` supplies the
 * virtual transports (the composition root creates the simulator only when some part needs it;
 * devices/ never imports simulator/ or src/). Only chosen backends are loaded.
 */
export async function createTransports(
  choice: TransportChoice,
  opts: { simulated?: () => Transports; loaders?: Partial<BackendLoaders> } = {},
): Promise<Transports> {
  const loaders: BackendLoaders = { ...realBackendLoaders, ...opts.loaders };
  let sim: Transports | null = null;
  const simulated = (): Transports => {
    if (!opts.simulated) throw new Error("a simulated backend was chosen but no simulator was supplied");
    sim ??= opts.simulated();
    return sim;
  };
  const bring = async <T>(transport: "gpio" | "i2c" | "serial", backend: string, load: () => Promise<T>) => {
    try {
      return await load();
    } catch (err) {
      throw new TransportError(transport, backend, err);
    }
  };

  const gpio =
    choice.gpio === "simulated"
      ? simulated().gpio
      : choice.gpio === "onoff"
        ? await bring("gpio", "onoff", () => loaders.onoff())
        : await bring("gpio", "johnny-five", () => {
            if (!choice.firmataPort) throw new Error("hardware.firmata_port is not set");
            return loaders.johnnyFive(choice.firmataPort);
          });
  const i2c =
    choice.i2c === "simulated"
      ? simulated().i2c
      : await bring("i2c", "i2c-bus", () => loaders.i2cBus(choice.i2cBusNumber));
  const serial =
    choice.serial === "simulated"
      ? simulated().serial
      : await bring("serial", "serialport", () => loaders.serialport());
  return { gpio, i2c, serial };
}
