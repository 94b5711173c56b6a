import type { LocalTimeConverter } from "../access/local-time.js";
import { LevelStore } from "../store/level-store.js";
import type { Db } from "../store/open-database.js";
import type { AntiPassbackMode } from "./anti-passback.js";
import type { DoorLockState } from "./interlock.js";
import { OccupancyLog } from "./occupancy-log.js";
import { SiteRules } from "./site-rules.js";

/** One door as the site rules see it (from the config's `doors:` list, or the one-door config). */
export interface SiteDoorConfig {
  id: string;
  antiPassback: AntiPassbackMode;
  /** Daily forgive time, minutes since local midnight; null for none. */
  forgiveAtMin: number | null;
  /** It has an "out" reader, so leaving is recorded and occupancy is meaningful. */
  tracksOccupancy: boolean;
}

export interface SiteRulesConfig {
  doors: readonly SiteDoorConfig[];
  interlocks: readonly (readonly string[])[];
  rexRespectsInterlock: boolean;
}

export interface SiteRulesParts {
  rules: SiteRules;
  levels: LevelStore;
  occupancy: OccupancyLog;
}

/**
 * Builds the rules that span doors from plain options. The door states come through
 * `doorState` (the composition root reads each door's controller), schedules through
 * `scheduleOpen` (the policy engine), local time for the daily forgive through `local`.
 */
export function createSiteRules(deps: {
  db: Db;
  config: SiteRulesConfig;
  local: LocalTimeConverter;
  scheduleOpen: (scheduleId: number, nowMs: number) => boolean;
  doorState: (door: string) => DoorLockState | undefined;
}): SiteRulesParts {
  const { db, config } = deps;
  const levels = new LevelStore(db);
  const occupancy = new OccupancyLog(
    db,
    new Map(config.doors.map((d) => [d.id, d.forgiveAtMin])),
    deps.local,
  );
  const rules = new SiteRules(
    {
      doors: config.doors.map((d) => ({
        id: d.id,
        antiPassback: d.antiPassback,
        tracksOccupancy: d.tracksOccupancy,
      })),
      interlocks: config.interlocks,
      rexRespectsInterlock: config.rexRespectsInterlock,
    },
    {
      levelsAtDoor: (userId, door, knownInUse) => levels.levelsAtDoor(userId, door, knownInUse),
      scheduleOpen: deps.scheduleOpen,
      doorState: deps.doorState,
      occupancy,
    },
  );
  return { rules, levels, occupancy };
}
