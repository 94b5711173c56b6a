import { z } from "zod";
import { accessSchema } from "./access-schema.js";
import { badgeSchema } from "./badge-schema.js";
import {
  doorEntrySchema,
  doorTimingsSchema,
  idSchema,
  interlockSettingsSchema,
  keypadSchema,
  legacyGpioSchema,
  MAX_DOORS,
} from "./door-schema.js";
import { checkDoors, checkSingleDoorKeys, mirrorFirstDoor } from "./doors.js";
import { fingerprintSchema } from "./fingerprint-schema.js";
import { hardwareSchema } from "./hardware-schema.js";
import { hubSchema } from "./hub-schema.js";
import { mqttSchema } from "./mqtt-schema.js";
import { policySchema } from "./policy-schema.js";
import { secretsSchema } from "./secrets-schema.js";
import { webSettingsShape } from "./web-schema.js";

/**
 * The whole configuration file. Every key has a default, so an empty file (or none) runs the
 * controller on the simulator. Keys are snake_case; unknown keys are rejected so typos surface.
 */
export const settingsObject = z
  .object({
    door_id: idSchema.default("records-room"),
    data_dir: z.string().min(1).default("./data"),
    hardware: hardwareSchema,
    door: doorTimingsSchema,
    keypad: keypadSchema,
    gpio: legacyGpioSchema,
    /**
     * Several doors on one controller (1 to 4). Without it, today's single-door keys above
     * describe the only door (src/config/doors.ts turns either form into the list).
     */
    doors: z.array(doorEntrySchema).min(1).max(MAX_DOORS).nullable().default(null),
    /** Sets of doors of which only one may be unlocked or open at a time (an airlock). */
    interlocks: z.array(z.array(idSchema).min(2).max(MAX_DOORS)).default([]),
    interlock: interlockSettingsSchema,
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
  .strict();

export type Settings = z.output<typeof settingsObject>;

/** The file as a whole: keys of the single-door form are refused beside a `doors:` list. */
export const settingsSchema = z.preprocess(
  (raw, ctx) => {
    checkSingleDoorKeys(raw, ctx);
    return raw ?? {};
  },
  settingsObject.transform(mirrorFirstDoor).superRefine((s, ctx) => {
    checkDoors(s, ctx);
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
    // With a `doors:` list each door's P is `<mqtt.prefix or "doorward">/<id>` (src/mqtt/topics.ts).
    const fleet = s.mqtt.fleet_prefix;
    const prefixes: Array<[string, (string | number)[]]> = s.doors
      ? s.doors.map((d, i) => [`${s.mqtt.prefix ?? "doorward"}/${d.id}`, ["doors", i, "id"]])
      : [[s.mqtt.prefix ?? `doorward/${s.door_id}`, s.mqtt.prefix ? ["mqtt", "prefix"] : ["door_id"]]];
    for (const [doorTopics, path] of prefixes)
      if (doorTopics === fleet || doorTopics.startsWith(`${fleet}/`) || fleet.startsWith(`${doorTopics}/`))
        ctx.addIssue({
          code: "custom",
          path,
          message: `the door's MQTT topics (${doorTopics}) must not overlap mqtt.fleet_prefix (${fleet})`,
        });
  }),
);
