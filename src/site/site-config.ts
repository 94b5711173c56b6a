import type { Settings } from "../config/schema.js";
import type { SiteRulesConfig } from "./create-site-rules.js";

/** The configured door ids, in order: what access levels may name. */
export function configuredDoorIds(settings: Settings): string[] {
  return [settings.door_id];
}

/**
 * The site rules' options from the settings. The one-door config has no interlock and no
 * anti-passback (its readers have no direction); access levels apply to its door id.
 */
export function siteRulesConfig(settings: Settings): SiteRulesConfig {
  return {
    doors: configuredDoorIds(settings).map((id) => ({
      id,
      antiPassback: "off",
      forgiveAtMin: null,
      tracksOccupancy: false,
    })),
    interlocks: [],
    rexRespectsInterlock: false,
  };
}
