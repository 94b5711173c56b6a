import { z } from "zod";
import { badgeSchema } from "./badge-schema.js";
import { fingerprintSchema } from "./fingerprint-schema.js";

/** Door and reader ids: they name MQTT topics, HA node ids and kv keys, so a narrow alphabet. */
export const idSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, "lowercase letters, digits, '-' or '_'");

/** A GPIO line in config: a BCM line number plus its electrical sense. */
export const gpioLine = (defaults: { line: number; active_low?: boolean; debounce_ms?: number }) =>
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

export type GpioLineSettings = { line: number; active_low: boolean; debounce_ms: number };

export const doorTimingsSchema = z
  .object({
    unlock_ms: z.number().int().min(500).max(60_000).default(5000),
    /** Hard cap enforced by the relay driver itself, whatever a caller asks for. */
    max_unlock_ms: z.number().int().min(500).max(120_000).default(30_000),
    held_open_s: z.number().int().min(1).max(3600).default(30),
    /** After relocking, an opening contact within this grace is the late push, not a forced door. */
    relock_grace_ms: z.number().int().min(0).max(5000).default(1000),
  })
  .strict()
  .default({ unlock_ms: 5000, max_unlock_ms: 30_000, held_open_s: 30, relock_grace_ms: 1000 });

export type DoorTimings = z.infer<typeof doorTimingsSchema>;

const keypadShape = {
  driver: z.enum(["tca8418", "pcf8574"]).default("tca8418"),
  i2c_bus: z.number().int().min(0).max(20).default(1),
  address: z.number().int().min(0x03).max(0x77).default(0x34),
  interrupt_gpio: z.number().int().min(0).max(1023).nullable().default(null),
  poll_ms: z.number().int().min(5).max(1000).default(20),
};

export const keypadSchema = z
  .object(keypadShape)
  .strict()
  .default({ driver: "tca8418", i2c_bus: 1, address: 0x34, interrupt_gpio: null, poll_ms: 20 });

export type KeypadSettings = z.infer<typeof keypadSchema>;

/** Today's single-door `gpio:` section: every line has a default (the wiring of hardware/WIRING.md). */
export const legacyGpioSchema = z
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
  });

/** A required line of a listed door (no default: two doors cannot both take the default). */
const requiredLine = (debounceMs = 0) =>
  z
    .object({
      line: z.number().int().min(0).max(1023),
      active_low: z.boolean().default(false),
      debounce_ms: z.number().int().min(0).max(1000).default(debounceMs),
    })
    .strict();

/**
 * The lines of one door in a `doors:` list. Relay, contact and REX are required; the indicator
 * outputs may be null (a Pi header has about 26 free lines for up to four doors and their readers).
 */
export const doorGpioSchema = z
  .object({
    relay: requiredLine(),
    door_contact: requiredLine(20),
    rex: requiredLine(20),
    led_green: requiredLine().nullable().default(null),
    led_red: requiredLine().nullable().default(null),
    buzzer: requiredLine().nullable().default(null),
  })
  .strict();

export interface DoorGpio {
  relay: GpioLineSettings;
  door_contact: GpioLineSettings;
  rex: GpioLineSettings;
  led_green: GpioLineSettings | null;
  led_red: GpioLineSettings | null;
  buzzer: GpioLineSettings | null;
}

const readerCommon = {
  id: idSchema,
  /** in: entering the room this door guards; out: leaving it (anti-passback, occupancy). */
  direction: z.enum(["in", "out"]).default("in"),
};

const fingerprintFields = fingerprintSchema.unwrap().omit({ enabled: true }).shape;
const badgeFields = badgeSchema.unwrap().shape;

/** OSDP baud rates readers offer (SIA OSDP 2.2 §5.7); one bus runs at one of them. */
export const OSDP_BAUDS = [9600, 19200, 38400, 57600, 115200] as const;

/** An OSDP reader on an RS-485 bus; several on one port share the bus at distinct addresses. */
const osdpFields = {
  port: z.string().min(1),
  /** 0..126; 127 is the broadcast address and never polled. */
  address: z.number().int().min(0).max(126),
  baud: z
    .number()
    .int()
    .refine((b) => (OSDP_BAUDS as readonly number[]).includes(b), `one of ${OSDP_BAUDS.join(", ")}`)
    .default(115200),
  /** Secure Channel is required unless false (then doctor warns). */
  secure: z.boolean().default(true),
  format: z.enum(["h10301", "h10306", "h10304", "corp1000", "raw"]).default("h10301"),
};

export const readerSchema = z.discriminatedUnion("kind", [
  z.object({ ...readerCommon, kind: z.literal("keypad"), ...keypadShape }).strict(),
  z.object({ ...readerCommon, kind: z.literal("fingerprint"), ...fingerprintFields }).strict(),
  z
    .object({
      ...readerCommon,
      kind: z.literal("badge"),
      ...badgeFields,
      reader: z.enum(["wiegand", "rdm6300"]).default("wiegand"),
    })
    .strict(),
  z.object({ ...readerCommon, kind: z.literal("osdp"), ...osdpFields }).strict(),
]);

export type ReaderSettings = z.infer<typeof readerSchema>;
export type KeypadReaderSettings = Extract<ReaderSettings, { kind: "keypad" }>;
export type FingerprintReaderSettings = Extract<ReaderSettings, { kind: "fingerprint" }>;
export type BadgeReaderSettings = Extract<ReaderSettings, { kind: "badge" }>;
export type OsdpReaderSettings = Extract<ReaderSettings, { kind: "osdp" }>;
export type ReaderDirection = ReaderSettings["direction"];

/** One entry of `doors:`. anti_passback and forgive_at are read by the site rules (src/site/). */
export const doorEntrySchema = z
  .object({
    id: idSchema,
    door: doorTimingsSchema,
    gpio: doorGpioSchema,
    readers: z.array(readerSchema).max(4).default([]),
    anti_passback: z.enum(["off", "soft", "hard"]).default("off"),
    forgive_at: z
      .string()
      .regex(/^([01]\d|2[0-3]):[0-5]\d$/, "a local time HH:MM")
      .nullable()
      .default(null),
  })
  .strict();

/** The shape every part of the controller sees, whichever form the file used. */
export interface DoorSettings {
  id: string;
  door: DoorTimings;
  gpio: DoorGpio;
  readers: ReaderSettings[];
  anti_passback: "off" | "soft" | "hard";
  forgive_at: string | null;
}

export const MAX_DOORS = 4;

export const interlockSettingsSchema = z
  .object({
    /** false (the default): a request-to-exit always releases, whatever the interlock says. */
    rex_respects: z.boolean().default(false),
  })
  .strict()
  .default({ rex_respects: false });
