import { z } from "zod";
import { accessSchema } from "./access-schema.js";
import { badgeSchema } from "./badge-schema.js";
import { fingerprintSchema } from "./fingerprint-schema.js";
import { hardwareSchema } from "./hardware-schema.js";
import { hubSchema } from "./hub-schema.js";
import { mqttSchema } from "./mqtt-schema.js";
import { policySchema } from "./policy-schema.js";
import { secretsSchema } from "./secrets-schema.js";
import { webSettingsShape } from "./web-schema.js";

/** A GPIO line in config: a BCM line number plus its electrical sense. */
const gpioLine = (defaults: { line: number; active_low?: boolean; debounce_ms?: number }) =>
  z
    .object({
      line: z.number().int().min(0).max(1023),
      active_low: z.boolean().default(defaults.active_low ?? false),
      debounce_ms: z
        .number()
        .int()
        .min(0)
        .max(1000)
        .default(defaults.debounce_ms ?? 0),
    })
    .strict()
    .default({ active_low: false, debounce_ms: 0, ...defaults });

/**
 * The whole configuration file. Every key has a default, so an empty file (or none) runs the
 * controller on the simulator. Keys are snake_case; unknown keys are rejected so typos surface.
 */
export const settingsSchema = z
  .object({
    door_id: z
      .string()
      .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lowercase letters, digits, '-' or '_'")
      .default("records-room"),
    data_dir: z.string().min(1).default("./data"),
    hardware: hardwareSchema,
    door: z
      .object({
        unlock_ms: z.number().int().min(500).max(60_000).default(5000),
        /** Hard cap enforced by the relay driver itself, whatever a caller asks for. */
        max_unlock_ms: z.number().int().min(500).max(120_000).default(30_000),
        held_open_s: z.number().int().min(1).max(3600).default(30),
        /** After relocking, an opening contact within this grace is the late push, not a forced door. */
        relock_grace_ms: z.number().int().min(0).max(5000).default(1000),
      })
      .strict()
      .default({ unlock_ms: 5000, max_unlock_ms: 30_000, held_open_s: 30, relock_grace_ms: 1000 }),
    keypad: z
      .object({
        driver: z.enum(["tca8418", "pcf8574"]).default("tca8418"),
        i2c_bus: z.number().int().min(0).max(20).default(1),
        address: z.number().int().min(0x03).max(0x77).default(0x34),
        interrupt_gpio: z.number().int().min(0).max(1023).nullable().default(null),
        poll_ms: z.number().int().min(5).max(1000).default(20),
      })
      .strict()
      .default({ driver: "tca8418", i2c_bus: 1, address: 0x34, interrupt_gpio: null, poll_ms: 20 }),
    gpio: z
      .object({
        relay: gpioLine({ line: 17 }),
        door_contact: gpioLine({ line: 27, debounce_ms: 20 }),
        rex: gpioLine({ line: 22, debounce_ms: 20 }),
        led_green: gpioLine({ line: 5 }),
        led_red: gpioLine({ line: 6 }),
        buzzer: gpioLine({ line: 13 }),
      })
      .strict()
      .default({
        relay: { line: 17, active_low: false, debounce_ms: 0 },
        door_contact: { line: 27, active_low: false, debounce_ms: 20 },
        rex: { line: 22, active_low: false, debounce_ms: 20 },
        led_green: { line: 5, active_low: false, debounce_ms: 0 },
        led_red: { line: 6, active_low: false, debounce_ms: 0 },
        buzzer: { line: 13, active_low: false, debounce_ms: 0 },
      }),
    pin: z
      .object({
        min_length: z.number().int().min(4).max(8).default(4),
        max_length: z.number().int().min(4).max(8).default(8),
        inter_key_timeout_ms: z.number().int().min(1000).max(60_000).default(5000),
      })
      .strict()
      .default({ min_length: 4, max_length: 8, inter_key_timeout_ms: 5000 }),
    lockout: z
      .object({
        max_failures: z.number().int().min(1).max(100).default(5),
        base_s: z.number().int().min(1).max(3600).default(30),
        max_s: z.number().int().min(1).max(86_400).default(900),
      })
      .strict()
      .default({ max_failures: 5, base_s: 30, max_s: 900 }),
    policy: policySchema,
    mqtt: mqttSchema,
    secrets: secretsSchema,
    fingerprint: fingerprintSchema,
    badge: badgeSchema,
    access: accessSchema,
    hub: hubSchema,
    ...webSettingsShape,
    log_level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  })
  .strict()
  .superRefine((s, ctx) => {
    if (s.pin.min_length > s.pin.max_length)
      ctx.addIssue({
        code: "custom",
        path: ["pin", "min_length"],
        message: "must not exceed pin.max_length",
      });
    if (s.door.unlock_ms > s.door.max_unlock_ms)
      ctx.addIssue({
        code: "custom",
        path: ["door", "unlock_ms"],
        message: "must not exceed door.max_unlock_ms",
      });
    if (s.lockout.base_s > s.lockout.max_s)
      ctx.addIssue({ code: "custom", path: ["lockout", "base_s"], message: "must not exceed lockout.max_s" });
    // A door's topics must not overlap the fleet's (a door named "fleet" with the default prefixes).
    const doorTopics = s.mqtt.prefix ?? `doorward/${s.door_id}`;
    const fleet = s.mqtt.fleet_prefix;
    if (doorTopics === fleet || doorTopics.startsWith(`${fleet}/`) || fleet.startsWith(`${doorTopics}/`))
      ctx.addIssue({
        code: "custom",
        path: s.mqtt.prefix ? ["mqtt", "prefix"] : ["door_id"],
        message: `the door's MQTT topics (${doorTopics}) must not overlap mqtt.fleet_prefix (${fleet})`,
      });
  });

export type Settings = z.infer<typeof settingsSchema>;
