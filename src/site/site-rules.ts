import type { LevelsAtDoor } from "../store/level-store.js";
import { levelVerdict } from "./access-levels.js";
import { type AntiPassbackMode, passbackStep } from "./anti-passback.js";
import type { DoorRules, PassageAttempt, RuleVerdict } from "./door-rules.js";
import { type DoorLockState, Interlock } from "./interlock.js";
import type { Occupant } from "./occupancy.js";

export interface SiteDoorOptions {
  id: string;
  antiPassback: AntiPassbackMode;
  /** The door records leaving too (it has an "out" reader): who is inside its room is known. */
  tracksOccupancy: boolean;
}

export interface SiteRulesOptions {
  doors: readonly SiteDoorOptions[];
  /** Sets of door ids of which at most one may be unlocked or open at a time. */
  interlocks: readonly (readonly string[])[];
  /** Whether request-to-exit obeys interlocks (default false: egress is never blocked). */
  rexRespectsInterlock: boolean;
  interlockClaimMs?: number;
}

/** What the rules read; each is a narrow function or object, so tests pass plain ones. */
export interface SiteRulesDeps {
  levelsAtDoor(userId: number, door: string, knownInUse?: boolean): LevelsAtDoor;
  scheduleOpen(scheduleId: number, nowMs: number): boolean;
  doorState(door: string): DoorLockState | undefined;
  occupancy: {
    isInside(door: string, userCode: string, nowMs: number): boolean;
    occupants(door: string, nowMs: number): Occupant[];
  };
}

/**
 * The rules that span doors, behind the one DoorRules interface. For a person's credential:
 * access levels first (who may use this door at all), then the interlock (whether this door may
 * release now), then anti-passback (a note or a denial). A remote unlock is subject to the
 * interlock only; request-to-exit only when `rexRespectsInterlock`.
 */
export class SiteRules implements DoorRules {
  private readonly interlock: Interlock;
  private readonly passback: Map<string, AntiPassbackMode>;

  constructor(
    private readonly options: SiteRulesOptions,
    private readonly deps: SiteRulesDeps,
  ) {
    this.interlock = new Interlock(
      {
        sets: options.interlocks,
        rexRespects: options.rexRespectsInterlock,
        claimMs: options.interlockClaimMs,
      },
      (door) => deps.doorState(door),
    );
    this.passback = new Map(options.doors.map((d) => [d.id, d.antiPassback]));
  }

  check(a: PassageAttempt): RuleVerdict | null {
    if (a.cause === "credential" && a.userId !== null) {
      const levels = levelVerdict(this.deps.levelsAtDoor(a.userId, a.door, a.levelsInUse), (id) =>
        this.deps.scheduleOpen(id, a.nowMs),
      );
      if (levels) return levels;
    }
    const interlock = this.interlock.check(a);
    if (interlock) return interlock;
    if (a.cause !== "credential" || a.userCode === null) return null;
    const mode = this.passback.get(a.door) ?? "off";
    // The log is read only where anti-passback applies: the plain path costs no query here.
    if (mode === "off" || a.direction === null) return null;
    const inside = this.deps.occupancy.isInside(a.door, a.userCode, a.nowMs);
    const step = passbackStep(mode, a.direction, inside);
    if (step === null) return null;
    const detail = { mode, direction: a.direction, inside };
    return step === "deny"
      ? { type: "deny", reason: "passback", detail }
      : { type: "note", reason: "passback", detail };
  }

  passed(a: PassageAttempt): void {
    // Occupancy needs nothing here: it is folded from the granted row already committed.
    this.interlock.passed(a);
  }

  /** Who is inside each tracked door's room now (doors with an out reader), in configured order. */
  occupancy(nowMs: number): Array<{ door: string; occupants: Occupant[] }> {
    return this.options.doors
      .filter((d) => d.tracksOccupancy)
      .map((d) => ({ door: d.id, occupants: this.deps.occupancy.occupants(d.id, nowMs) }));
  }
}
