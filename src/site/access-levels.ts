import type { LevelsAtDoor } from "../store/level-store.js";
import type { RuleVerdict } from "./door-rules.js";

/**
 * Whether a person's access levels let them through this door now. Pure: the levels are read
 * by the caller and the schedule test is passed in.
 * - No level defined on the site: levels are not in use, everyone authorised may pass.
 * - None of the person's levels names the door: `no_access_to_door`.
 * - Some do, but every one of them has a schedule that is closed now: `outside_schedule`.
 */
export function levelVerdict(
  levels: LevelsAtDoor,
  scheduleOpen: (scheduleId: number) => boolean,
): RuleVerdict | null {
  if (!levels.levelsInUse) return null;
  if (levels.covering.length === 0) return { type: "deny", reason: "no_access_to_door" };
  if (levels.covering.some((l) => l.scheduleId === null || scheduleOpen(l.scheduleId))) return null;
  return {
    type: "deny",
    reason: "outside_schedule",
    detail: { levels: levels.covering.map((l) => l.level) },
  };
}
