import type { DeviceEvents } from "../types.js";

/**
 * What every badge reader driver reports, matching the device events src/ consumes.
 * `format` names the credential format (W26, W34, EM4100); `number` is the credential as a
 * decimal string, the value an allowlist entry holds.
 */
export type BadgeRead = DeviceEvents["badgeRead"];

/**
 * A frame that arrived but failed a check. It is reported (so tampering and wiring faults are
 * visible) and never becomes a BadgeRead.
 */
export type BadgeBadRead = DeviceEvents["badgeBadRead"];
