import { describe, expect, it } from "vitest";
import {
  type BackendLoaders,
  createTransports,
  TransportError,
} from "../../../devices/transports/create-transports.js";
import type { GpioChip, I2cBus, SerialPortOpener, Transports } from "../../../devices/types.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { createSimulator } from "../../../simulator/simulator.js";
import { chooseBackends } from "../../../src/config/hardware-schema.js";
import { parseSettings } from "../../../src/config/load-settings.js";

/** Loaders that record what was asked for and hand back tagged stand-ins; nothing native is loaded. */
function recordingLoaders() {
  const calls: string[] = [];
  const gpio = { tag: "onoff" } as unknown as GpioChip;
  const j5 = { tag: "johnny-five" } as unknown as GpioChip;
  const i2c = { tag: "i2c-bus" } as unknown as I2cBus;
  const serial = { tag: "serialport" } as unknown as SerialPortOpener;
  const loaders: BackendLoaders = {
    onoff: async () => {
      calls.push("onoff");
      return gpio;
    },
    johnnyFive: async (port) => {
      calls.push(`johnny-five ${port}`);
      return j5;
    },
    i2cBus: async (n) => {
      calls.push(`i2c-bus ${n}`);
      return i2c;
    },
    serialport: async () => {
      calls.push("serialport");
      return serial;
    },
  };
  return { calls, loaders, gpio, j5, i2c, serial };
}

function simFactory() {
  let created = 0;
  let sim: Transports | null = null;
  return {
    get created() {
      return created;
    },
    make: () => {
      created++;
      sim = createSimulator({ clock: new FakeClock() }).transports;
      return sim;
    },
    get sim() {
      return sim;
    },
  };
}

const choiceFor = (hardware: Record<string, unknown>, simulate = false) => {
  const s = parseSettings({ hardware, keypad: { i2c_bus: 3 } });
  return { ...chooseBackends(s.hardware, simulate), i2cBusNumber: s.keypad.i2c_bus };
};

describe("backend selection (hardware.*)", () => {
  it("backend: pi uses onoff, i2c-bus on the keypad's bus and serialport, and never the simulator", async () => {
    const r = recordingLoaders();
    const f = simFactory();
    const t = await createTransports(choiceFor({ backend: "pi" }), { simulated: f.make, loaders: r.loaders });
    expect(r.calls).toEqual(["onoff", "i2c-bus 3", "serialport"]);
    expect(t).toEqual({ gpio: r.gpio, i2c: r.i2c, serial: r.serial });
    expect(f.created).toBe(0);
  });

  it("the default (simulated) loads no backend and builds one simulator for all three", async () => {
    const r = recordingLoaders();
    const f = simFactory();
    const t = await createTransports(choiceFor({}), { simulated: f.make, loaders: r.loaders });
    expect(r.calls).toEqual([]);
    expect(f.created).toBe(1);
    expect(t).toEqual(f.sim);
  });

  it("a bench mix: real relay via onoff, simulated keypad and serial", async () => {
    const r = recordingLoaders();
    const f = simFactory();
    const t = await createTransports(choiceFor({ gpio: "onoff" }), { simulated: f.make, loaders: r.loaders });
    expect(r.calls).toEqual(["onoff"]);
    expect(t.gpio).toBe(r.gpio);
    expect(t.i2c).toBe(f.sim?.i2c);
    expect(t.serial).toBe(f.sim?.serial);
  });

  it("per-device overrides win over backend: pi", async () => {
    const r = recordingLoaders();
    const f = simFactory();
    const t = await createTransports(
      choiceFor({ backend: "pi", gpio: "johnny-five", firmata_port: "/dev/ttyACM0", i2c: "simulated" }),
      { simulated: f.make, loaders: r.loaders },
    );
    expect(r.calls).toEqual(["johnny-five /dev/ttyACM0", "serialport"]);
    expect(t.gpio).toBe(r.j5);
    expect(t.i2c).toBe(f.sim?.i2c);
  });

  it("--simulate overrides a Pi config entirely", async () => {
    const r = recordingLoaders();
    const f = simFactory();
    await createTransports(choiceFor({ backend: "pi", gpio: "onoff" }, true), {
      simulated: f.make,
      loaders: r.loaders,
    });
    expect(r.calls).toEqual([]);
  });

  it("johnny-five without firmata_port is a config error naming the key", () => {
    expect(() => parseSettings({ hardware: { gpio: "johnny-five" } })).toThrow(/hardware\.firmata_port/);
  });

  it("a backend that cannot load fails with a message naming the transport and backend", async () => {
    const r = recordingLoaders();
    r.loaders.i2cBus = async () => {
      throw new Error("/dev/i2c-3 does not exist");
    };
    const err = await createTransports(choiceFor({ backend: "pi" }), { loaders: r.loaders }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toBe("i2c backend 'i2c-bus': /dev/i2c-3 does not exist");
  });

  it("the real onoff loader off a Pi fails with a readable error, not a crash", async () => {
    // No injected loader: the real lazy path runs; off a Pi no GPIO controller is found.
    const err = await createTransports(choiceFor({ gpio: "onoff" }), {
      simulated: simFactory().make,
    }).catch((e) => e);
    expect(err).toBeInstanceOf(TransportError);
    expect(err.message).toMatch(/^gpio backend 'onoff': /);
  });
});
