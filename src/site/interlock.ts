import type { PassageAttempt, RuleVerdict } from "./door-rules.js";

/** What the interlock needs to know about a door right now. */
export interface DoorLockState {
  /** The lock is released (a pulse, a held release). */
  unlocked: boolean;
  /** The door contact reports open. */
  open: boolean;
  /** The door is held released for evacuation: interlocks do not apply to its sets. */
  emergency: boolean;
}

export interface InterlockOptions {
  /** Each set: at most one of these doors may be unlocked or open at a time. */
  sets: readonly (readonly string[])[];
  /** Whether request-to-exit obeys the interlock too (default false: egress is never blocked). */
  rexRespects: boolean;
  /**
   * How long a committed grant counts as "unlocked" before the door itself reports it: covers
   * the few milliseconds between the audit commit and the relay write, so two doors granting in
   * the same instant cannot both pass. Short (0.5 s by default): it must not outlast a quick
   * passage whose door has already shut and relocked.
   */
  claimMs?: number;
}

/**
 * The door (if any) that keeps `door` from releasing now, or null. Pure. A set with a door in
 * emergency unlock does not hold anyone back (evacuation overrides the airlock).
 */
export function interlockBlocker(
  door: string,
  sets: readonly (readonly string[])[],
  busy: (door: string) => boolean,
  emergency: (door: string) => boolean,
): string | null {
  for (const set of sets) {
    if (!set.includes(door)) continue;
    if (set.some(emergency)) continue;
    const blocker = set.find((other) => other !== door && busy(other));
    if (blocker !== undefined) return blocker;
  }
  return null;
}

/** The interlock rule over live door states (read through `stateOf`, never from another unit). */
export class Interlock {
  private readonly claims = new Map<string, number>();
  private readonly claimMs: number;

  constructor(
    private readonly options: InterlockOptions,
    private readonly stateOf: (door: string) => DoorLockState | undefined,
  ) {
    this.claimMs = options.claimMs ?? 500;
  }

  check(a: PassageAttempt): RuleVerdict | null {
    if (a.cause === "exit" && !this.options.rexRespects) return null;
    const busy = (door: string) => {
      const s = this.stateOf(door);
      return (s?.unlocked ?? false) || (s?.open ?? false) || (this.claims.get(door) ?? -1) > a.nowMs;
    };
    const emergency = (door: string) => this.stateOf(door)?.emergency ?? false;
    const blocker = interlockBlocker(a.door, this.options.sets, busy, emergency);
    return blocker === null ? null : { type: "deny", reason: "interlock", detail: { blocked_by: blocker } };
  }

  passed(a: PassageAttempt): void {
    if (this.options.sets.some((set) => set.includes(a.door)))
      this.claims.set(a.door, a.nowMs + this.claimMs);
  }
}
