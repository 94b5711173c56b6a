import type { DoorSettings } from "../config/door-schema.js";
import { doorIds, doorsOf } from "../config/doors.js";
import type { Settings } from "../config/schema.js";
import type { SiteRulesConfig } from "./create-site-rules.js";
import type { PassageDirection } from "./door-rules.js";
import { parseTimeOfDay } from "./occupancy.js";

/** The configured door ids, in order: what access levels may name. */
export function configuredDoorIds(settings: Settings): string[] {
  return doorIds(settings);
}

/**
 * A reader's direction as the rules see it. Only a listed config (`doors:`) gives its readers a
 * meaningful direction: today's single-door file names its readers after their kind and says
 * nothing about where they stand, so they count as no direction (no anti-passback, no occupancy).
 */
export function readerDirection(
  settings: Settings,
  door: DoorSettings,
  readerId: string,
): PassageDirection | null {
  if (settings.doors === null) return null;
  return door.readers.find((r) => r.id === readerId)?.direction ?? null;
}

/** The site rules' options from the settings (both config forms, through doorsOf). */
export function siteRulesConfig(settings: Settings): SiteRulesConfig {
  const listed = settings.doors !== null;
  return {
    doors: doorsOf(settings).map((d) => ({
      id: d.id,
      antiPassback: listed ? d.anti_passback : "off",
      forgiveAtMin: d.forgive_at === null ? null : parseTimeOfDay(d.forgive_at),
      tracksOccupancy: listed && d.readers.some((r) => r.direction === "out"),
    })),
    interlocks: settings.interlocks,
    rexRespectsInterlock: settings.interlock.rex_respects,
  };
}
