import { z } from "zod";

/** An IANA zone name the runtime's Intl data knows ("Europe/Berlin", "UTC"). */
const timeZone = z.string().refine(
  (tz) => {
    try {
      new Intl.DateTimeFormat("en-US", { timeZone: tz });
      return true;
    } catch {
      return false;
    }
  },
  { message: "expected an IANA time zone such as 'Europe/Berlin' or 'UTC'" },
);

const scheduleName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "a schedule name: lowercase letters, digits, '-' or '_'");

/**
 * The records-room access policy. Schedules and holidays themselves live in the database (the
 * CLI edits them while the service runs); this section says how the door applies them.
 */
export const policySchema = z
  .object({
    /** Local wall time for schedules and holidays; DST is handled through Intl. */
    timezone: timeZone.default("UTC"),
    /** When true, a user with no schedule assigned never enters; when false they may enter at any time. */
    require_schedule: z.boolean().default(false),
    /** When true, a user needs an agreement-until date in the future to enter. */
    require_agreement: z.boolean().default(false),
    two_person: z
      .object({
        enabled: z.boolean().default(false),
        window_s: z.number().int().min(5).max(300).default(30),
        /** Only while one of these schedules is active; empty means always. */
        only_during: z.array(scheduleName).default([]),
      })
      .strict()
      .default({ enabled: false, window_s: 30, only_during: [] }),
    /** While this schedule is active the door stays unlocked, once the first authorised person has entered that day. */
    unlock_schedule: scheduleName.nullable().default(null),
    retention_days: z.number().int().min(1).max(3650).default(365),
    retention_check_s: z.number().int().min(60).max(86_400).default(3600),
    /** How often the service re-reads the door mode the CLI writes to the kv table. */
    mode_poll_ms: z.number().int().min(100).max(10_000).default(1000),
  })
  .strict()
  .default({
    timezone: "UTC",
    require_schedule: false,
    require_agreement: false,
    two_person: { enabled: false, window_s: 30, only_during: [] },
    unlock_schedule: null,
    retention_days: 365,
    retention_check_s: 3600,
    mode_poll_ms: 1000,
  });

export type PolicySettings = z.infer<typeof policySchema>;
