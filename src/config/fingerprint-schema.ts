import { z } from "zod";

/** Baud rates the R503 family accepts: 9600 × N, N = 1..12. */
const R503_BAUDS = [9600, 19200, 28800, 38400, 48000, 57600, 67200, 76800, 86400, 96000, 105600, 115200];

const DEFAULTS = {
  enabled: "auto" as const,
  port: "/dev/ttyAMA0",
  baud: 57600,
  password: 0,
  poll_ms: 200,
  command_timeout_ms: 1000,
  request_poll_ms: 500,
};

/**
 * The fingerprint sensor (R503/R307/AS608 over UART).
 * enabled: "auto" (the default) means on in simulation, where a VirtualR503 is always wired,
 * and off on real hardware until the installer says a sensor is fitted.
 * request_poll_ms: how often the service looks for enrolment/check requests from the CLI and
 * for slots to delete on the sensor (see src/fingerprint/fingerprint-service.ts).
 */
export const fingerprintSchema = z
  .object({
    enabled: z.union([z.boolean(), z.literal("auto")]).default(DEFAULTS.enabled),
    port: z.string().min(1).default(DEFAULTS.port),
    baud: z
      .number()
      .int()
      .refine((b) => R503_BAUDS.includes(b), `one of ${R503_BAUDS.join(", ")}`)
      .default(DEFAULTS.baud),
    password: z.number().int().min(0).max(0xffffffff).default(DEFAULTS.password),
    poll_ms: z.number().int().min(20).max(5000).default(DEFAULTS.poll_ms),
    command_timeout_ms: z.number().int().min(100).max(10_000).default(DEFAULTS.command_timeout_ms),
    request_poll_ms: z.number().int().min(50).max(10_000).default(DEFAULTS.request_poll_ms),
  })
  .strict()
  .default(() => ({ ...DEFAULTS }));

export type FingerprintSettings = z.infer<typeof fingerprintSchema>;

/** Resolves enabled: "auto" against the hardware backend. */
export function fingerprintEnabled(s: {
  fingerprint: FingerprintSettings;
  hardware: { backend: string };
}): boolean {
  const e = s.fingerprint.enabled;
  return e === "auto" ? s.hardware.backend === "simulated" : e;
}
