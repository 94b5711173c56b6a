import type { PassageDirection } from "./door-rules.js";

export type AntiPassbackMode = "off" | "soft" | "hard";

/**
 * The anti-passback rule for one passage. Pure.
 * - Entering while already inside (a card passed back to someone outside): `hard` denies,
 *   `soft` lets through and logs `passback`.
 * - Leaving without having entered (tailgated in): logged as `passback` but never denied, in
 *   either mode: an exit reader must not trap anyone inside (egress is never blocked).
 * A reader without a direction, or mode `off`, has no anti-passback.
 */
export function passbackStep(
  mode: AntiPassbackMode,
  direction: PassageDirection | null,
  inside: boolean,
): "deny" | "note" | null {
  if (mode === "off" || direction === null) return null;
  if (direction === "in") return inside ? (mode === "hard" ? "deny" : "note") : null;
  return inside ? null : "note";
}
