import type { Clock, HealthState } from "../../devices/types.js";

export interface DeviceHealthEntry {
  state: HealthState;
  /** Why it is failed or degraded; null when ok. */
  detail: string | null;
  /** When the device entered this state. */
  since_ms: number;
  /** Faults seen since start. */
  faults: number;
}

export type HealthListener = (device: string, entry: DeviceHealthEntry, previous: HealthState) => void;

/** After a recovery a device stays `degraded` this long: a part that flaps should be visible. */
export const DEFAULT_PROBATION_MS = 30_000;

/**
 * The health of every device, one entry each: `ok`, `degraded` (working, but failed recently or
 * reporting trouble), `failed` (not answering). Fed by the bus's deviceFault/deviceRecovered and
 * the output probes; read by the door policy, the console `status` and MQTT state.
 */
export class DeviceHealth {
  private readonly entries = new Map<string, DeviceHealthEntry>();
  private readonly probation = new Map<string, () => void>();
  private readonly listeners = new Set<HealthListener>();

  constructor(
    private readonly clock: Clock,
    private readonly probationMs = DEFAULT_PROBATION_MS,
  ) {}

  /** Declares a device (ok) so it shows up before anything happens to it. */
  register(device: string): void {
    if (!this.entries.has(device))
      this.entries.set(device, { state: "ok", detail: null, since_ms: this.clock.now(), faults: 0 });
  }

  failed(device: string, detail: string): void {
    this.cancelProbation(device);
    const faults = (this.entries.get(device)?.faults ?? 0) + 1;
    this.set(device, "failed", detail, faults);
  }

  /** Working again: degraded for the probation period, then ok unless it fails again. */
  recovered(device: string): void {
    const entry = this.entries.get(device);
    if (!entry || entry.state === "ok") return;
    this.set(device, "degraded", `recovered; watching for ${this.probationMs / 1000} s`, entry.faults);
    this.cancelProbation(device);
    this.probation.set(
      device,
      this.clock.setTimeout(() => {
        this.probation.delete(device);
        const now = this.entries.get(device);
        if (now?.state === "degraded") this.set(device, "ok", null, now.faults);
      }, this.probationMs),
    );
  }

  /** Working, with a problem worth showing (lost events, slow answers). */
  degraded(device: string, detail: string): void {
    const entry = this.entries.get(device);
    if (entry?.state === "failed") return; // failed is worse; only a recovery lifts it
    this.set(device, "degraded", detail, entry?.faults ?? 0);
  }

  get(device: string): DeviceHealthEntry | undefined {
    const entry = this.entries.get(device);
    return entry ? { ...entry } : undefined;
  }

  /** Every device by name, for `status`, MQTT state and the web page. */
  snapshot(): Record<string, DeviceHealthEntry> {
    return Object.fromEntries([...this.entries].map(([name, e]) => [name, { ...e }]));
  }

  /** The worst state of any device. */
  overall(): HealthState {
    const states = [...this.entries.values()].map((e) => e.state);
    return states.includes("failed") ? "failed" : states.includes("degraded") ? "degraded" : "ok";
  }

  onChange(listener: HealthListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  stop(): void {
    for (const cancel of this.probation.values()) cancel();
    this.probation.clear();
  }

  private cancelProbation(device: string): void {
    this.probation.get(device)?.();
    this.probation.delete(device);
  }

  private set(device: string, state: HealthState, detail: string | null, faults: number): void {
    const previous = this.entries.get(device)?.state ?? "ok";
    const entry = { state, detail, since_ms: this.clock.now(), faults };
    this.entries.set(device, entry);
    if (previous === state && state !== "failed") return;
    for (const listener of [...this.listeners]) {
      try {
        listener(device, { ...entry }, previous);
      } catch {
        // A broken observer must not stop the door policy listening after it.
      }
    }
  }
}
