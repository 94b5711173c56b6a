import type { BusEvents, Clock, GpioLine } from "../../devices/types.js";
import type { DoorController, DoorFaultSource } from "../door/door-controller.js";
import type { EventBus } from "../events/event-bus.js";
import type { DeviceHealth } from "./device-health.js";
import { LineProbe } from "./line-probe.js";

/** Devices whose failure puts the door in fault, and as which fault source. */
const DOOR_CRITICAL: Record<string, DoorFaultSource> = { lock: "lock", door_contact: "door_contact" };

export interface DeviceSupervisorDeps {
  bus: EventBus<BusEvents>;
  /** The door supervised: only its devices' events are taken, and its probes' events carry it. */
  doorId: string;
  /** The health name of one of this door's devices ("lock" on a one-door controller, "vault/lock" beside others). */
  deviceName?: (device: string) => string;
  clock: Clock;
  health: DeviceHealth;
  door: DoorController;
  /** Lines read back periodically, by device name ("lock" = the relay output). */
  probedLines: Record<string, GpioLine>;
  /** Devices reported by their own drivers (e.g. "keypad"), listed so they show before any event. */
  otherDevices?: string[];
  probeIntervalMs?: number;
}

/**
 * Keeps DeviceHealth current and applies the door's fail-secure policy: a failed lock output or
 * door contact puts the door in fault (locked, no unlocks; REX only while the relay answers), and
 * the door leaves fault when every such device works again. Faults and recoveries travel on the
 * bus, so the app's audit listener records them once, whoever detected them.
 */
export class DeviceSupervisor {
  private readonly probes: LineProbe[] = [];
  private readonly unsubscribers: Array<() => void> = [];

  constructor(private readonly deps: DeviceSupervisorDeps) {}

  start(): void {
    const { bus, health, door, doorId } = this.deps;
    const name = this.deps.deviceName ?? ((device: string) => device);
    const critical = new Map(Object.entries(DOOR_CRITICAL).map(([device, source]) => [name(device), source]));
    for (const device of Object.keys(this.deps.probedLines)) health.register(name(device));
    for (const device of this.deps.otherDevices ?? []) health.register(device);
    this.unsubscribers.push(
      bus.on("deviceFault", (e) => {
        if (e.door === doorId) health.failed(e.device, e.detail);
      }),
      bus.on("deviceRecovered", (e) => {
        if (e.door === doorId) health.recovered(e.device);
      }),
      health.onChange((device, entry, previous) => {
        const source = critical.get(device);
        if (!source) return;
        if (entry.state === "failed")
          door.enterFault(`${device}: ${entry.detail}`, source, { record: false });
        else if (previous === "failed") door.clearFault(source);
      }),
    );
    for (const [device, line] of Object.entries(this.deps.probedLines)) {
      const probe = new LineProbe({
        device: name(device),
        line,
        clock: this.deps.clock,
        ...(this.deps.probeIntervalMs ? { intervalMs: this.deps.probeIntervalMs } : {}),
        onFault: (e) => bus.emit("deviceFault", { ...e, door: doorId, reader: null }),
        onRecovered: (e) => bus.emit("deviceRecovered", { ...e, door: doorId, reader: null }),
      });
      probe.start();
      this.probes.push(probe);
    }
  }

  stop(): void {
    for (const probe of this.probes.splice(0)) probe.stop();
    for (const off of this.unsubscribers.splice(0)) off();
  }
}
