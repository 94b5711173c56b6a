import type { SensorRequestStore } from "../store/sensor-request-store.js";

/** What the running service said about its fingerprint sensor, if a service answered at all. */
export type ServiceSensorAnswer =
  | { answered: false }
  | { answered: true; error: string; templates?: undefined; librarySize?: undefined }
  | { answered: true; error: null; templates: number; librarySize: number };

export interface ServiceSensorCheckDeps {
  requests: SensorRequestStore;
  now: () => number;
  sleep: (ms: number) => Promise<void>;
  /** How long to wait for the service to pick the request up and answer. */
  timeoutMs?: number;
  pollMs?: number;
}

/**
 * Asks the running service (which holds the serial port) to read its sensor's slot table, through
 * the same sensor_requests table `doorward fingerprint check` uses. A request nobody picks up is
 * withdrawn, so no stale row is left for the next service start to fail.
 */
export async function checkSensorThroughService(d: ServiceSensorCheckDeps): Promise<ServiceSensorAnswer> {
  const timeoutMs = d.timeoutMs ?? 5000;
  const started = d.now();
  const id = d.requests.request("check", { actor: "doctor" }, started);
  for (;;) {
    const r = d.requests.get(id);
    if (r?.state === "done") {
      const slots = r.result?.sensor_slots;
      return {
        answered: true,
        error: null,
        templates: Array.isArray(slots) ? slots.length : 0,
        librarySize: Number(r.result?.library_size ?? 0),
      };
    }
    if (r?.state === "failed") return { answered: true, error: r.error ?? "failed" };
    if (d.now() - started >= timeoutMs) {
      if (!r || d.requests.abandon(id, "doctor: no service picked the request up", d.now()))
        return { answered: false };
      return {
        answered: true,
        error: `the service took the request but did not answer within ${timeoutMs} ms`,
      };
    }
    await d.sleep(d.pollMs ?? 200);
  }
}
