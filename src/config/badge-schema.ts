import { z } from "zod";
import { WIEGAND_FORMATS, type WiegandFormat } from "../../devices/badge/wiegand-frame.js";

const WIEGAND_DEFAULTS = { d0_line: 23, d1_line: 24, frame_gap_ms: 25 };

const wiegandFormat = z.enum(WIEGAND_FORMATS as [WiegandFormat, ...WiegandFormat[]]);

/**
 * The lists the default filled in, so that doctor can tell a reader left on the default from one
 * set to the same two formats (the admin's choice). Kept beside the value rather than in the
 * parsed type, which every reader of the setting would otherwise have to unwrap; a list copied
 * out of the settings is no longer marked (doctor reads them as parsed).
 */
const defaultedFormats = new WeakSet<readonly WiegandFormat[]>();

function defaultFormats(): WiegandFormat[] {
  const formats = [...WIEGAND_FORMATS];
  defaultedFormats.add(formats);
  return formats;
}

/** Whether this `wiegand.formats` came from the default, not from the config. */
export function wiegandFormatsDefaulted(formats: readonly WiegandFormat[]): boolean {
  return defaultedFormats.has(formats);
}

/**
 * The frame formats the reader sends: a list, or one name. The default (both) keeps configs
 * written before the setting; set it to the reader's one format so that a truncated frame
 * (Wiegand has no length field) is a bad read, never another card.
 */
const wiegandFormats = z
  .preprocess(
    (v) => (typeof v === "string" ? [v] : v),
    z
      .array(wiegandFormat)
      .min(1)
      .transform((formats) => [...new Set(formats)]),
  )
  .default(defaultFormats);

const RDM6300_DEFAULTS = { port: "/dev/ttyUSB0", repeat_window_ms: 1500 };

/**
 * The badge reader. reader: "auto" (the default) is a Wiegand reader in simulation (the
 * simulator always wires one, so `badge 12345678` works out of the box) and none on real
 * hardware; "none", "wiegand" or "rdm6300" choose explicitly.
 * Wiegand lines are opened as plain inputs: no active-low (the bus idles high, a bit is a low
 * pulse) and no debounce (pulses last 20–100 µs; debouncing would swallow them).
 */
export const badgeSchema = z
  .object({
    reader: z.enum(["auto", "none", "wiegand", "rdm6300"]).default("auto"),
    wiegand: z
      .object({
        d0_line: z.number().int().min(0).max(1023).default(WIEGAND_DEFAULTS.d0_line),
        d1_line: z.number().int().min(0).max(1023).default(WIEGAND_DEFAULTS.d1_line),
        frame_gap_ms: z.number().int().min(5).max(200).default(WIEGAND_DEFAULTS.frame_gap_ms),
        formats: wiegandFormats,
      })
      .strict()
      .default(() => ({ ...WIEGAND_DEFAULTS, formats: defaultFormats() })),
    rdm6300: z
      .object({
        port: z.string().min(1).default(RDM6300_DEFAULTS.port),
        repeat_window_ms: z.number().int().min(100).max(10_000).default(RDM6300_DEFAULTS.repeat_window_ms),
      })
      .strict()
      .default(() => ({ ...RDM6300_DEFAULTS })),
  })
  .strict()
  .default(() => ({
    reader: "auto" as const,
    wiegand: { ...WIEGAND_DEFAULTS, formats: defaultFormats() },
    rdm6300: { ...RDM6300_DEFAULTS },
  }));

export type BadgeSettings = z.infer<typeof badgeSchema>;
export type BadgeReaderKind = "none" | "wiegand" | "rdm6300";

/** Resolves reader: "auto" against the hardware backend. */
export function badgeReaderKind(s: { badge: BadgeSettings; hardware: { backend: string } }): BadgeReaderKind {
  const r = s.badge.reader;
  if (r !== "auto") return r;
  return s.hardware.backend === "simulated" ? "wiegand" : "none";
}
