import { z } from "zod";

export const ACCESS_MODES = [
  "any",
  "pin_and_fingerprint",
  "badge_and_pin",
  "badge_and_fingerprint",
  "fingerprint_only",
] as const;

/**
 * Which credentials open the door. any: one credential of any enabled kind. The *_and_* modes
 * need both factors from the same person, the second within second_factor_window_s of the first
 * (either order). fingerprint_only: the keypad and badge reader are refused.
 */
export const accessSchema = z
  .object({
    mode: z.enum(ACCESS_MODES).default("any"),
    second_factor_window_s: z.number().int().min(2).max(120).default(10),
  })
  .strict()
  .default(() => ({ mode: "any" as const, second_factor_window_s: 10 }));

export type AccessSettings = z.infer<typeof accessSchema>;
