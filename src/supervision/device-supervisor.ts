import type { Clock, DeviceEvents, GpioLine } from "../../devices/types.js";
import type { DoorController, DoorFaultSource } from "../door/door-controller.js";
import type { EventBus } from "../events/event-bus.js";
import type { DeviceHealth } from "./device-health.js";
import { LineProbe } from "./line-probe.js";

/** Devices whose failure puts the door in fault, and as which fault source. */
const DOOR_CRITICAL: Record<string, DoorFaultSource> = { lock: "lock", door_contact: "door_contact" };

export interface DeviceSupervisorDeps {
  bus: EventBus<DeviceEvents>;
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
    const { bus, health, door } = this.deps;
    for (const device of [...Object.keys(this.deps.probedLines), ...(this.deps.otherDevices ?? [])])
      health.register(device);
    this.unsubscribers.push(
      bus.on("deviceFault", ({ device, detail }) => health.failed(device, detail)),
      bus.on("deviceRecovered", ({ device }) => health.recovered(device)),
      health.onChange((device, entry, previous) => {
        const source = DOOR_CRITICAL[device];
        if (!source) return;
        if (entry.state === "failed")
          door.enterFault(`${device}: ${entry.detail}`, source, { record: false });
        else if (previous === "failed") door.clearFault(source);
      }),
    );
    for (const [device, line] of Object.entries(this.deps.probedLines)) {
      const probe = new LineProbe({
        device,
        line,
        clock: this.deps.clock,
        ...(this.deps.probeIntervalMs ? { intervalMs: this.deps.probeIntervalMs } : {}),
        onFault: (e) => bus.emit("deviceFault", e),
        onRecovered: (e) => bus.emit("deviceRecovered", e),
      });
      probe.start();
      this.probes.push(probe);
    }
  }

  stop(): void {
    for (const probe of this.probes.splice(0)) probe.stop();
    for (const off of this.unsubscribers.splice(0)) off();
    this.deps.health.stop();
  }
}
