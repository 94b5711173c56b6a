import type { PassageDirection } from "./door-rules.js";

/** One audit row as the occupancy fold sees it. */
export type OccupancyEvent =
  | {
      type: "passage";
      tsMs: number;
      door: string;
      direction: PassageDirection;
      userCodes: string[];
    }
  /** `doorward passback forgive USER`: that person counts as outside (every door, or one). */
  | { type: "forgiven"; tsMs: number; door: string | null; userCode: string };

export interface Occupant {
  userCode: string;
  sinceMs: number;
}

/**
 * Who is inside each room (the room behind each door), folded from granted passages in order:
 * an "in" passage puts the person inside since then, an "out" passage takes them out. The
 * daily forgive time is applied when reading (`sinceBoundaryMs`): an entry older than the last
 * forgive time no longer counts, so nothing depends on a timer having fired.
 */
export class OccupancyState {
  private readonly rooms = new Map<string, Map<string, number>>();

  apply(e: OccupancyEvent): void {
    if (e.type === "forgiven") {
      for (const [door, room] of this.rooms) if (e.door === null || e.door === door) room.delete(e.userCode);
      return;
    }
    let room = this.rooms.get(e.door);
    if (!room) {
      room = new Map();
      this.rooms.set(e.door, room);
    }
    for (const code of e.userCodes) {
      if (e.direction === "in") room.set(code, e.tsMs);
      else room.delete(code);
    }
  }

  isInside(door: string, userCode: string, sinceBoundaryMs: number): boolean {
    const since = this.rooms.get(door)?.get(userCode);
    return since !== undefined && since >= sinceBoundaryMs;
  }

  occupants(door: string, sinceBoundaryMs: number): Occupant[] {
    const out: Occupant[] = [];
    for (const [userCode, sinceMs] of this.rooms.get(door) ?? [])
      if (sinceMs >= sinceBoundaryMs) out.push({ userCode, sinceMs });
    return out.sort((a, b) => a.sinceMs - b.sinceMs || a.userCode.localeCompare(b.userCode));
  }
}

/** "HH:MM" → minutes since midnight, or null when the text is not a time of day. */
export function parseTimeOfDay(text: string): number | null {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(text);
  return m ? Number(m[1]) * 60 + Number(m[2]) : null;
}

/**
 * The last instant at or before `nowMs` when the local clock read `forgiveAtMin`, given the
 * local minute of day now. Minute resolution; on the two DST-change days it can be off by the
 * shift (an hour), which only moves that night's reset.
 */
export function lastDailyForgiveMs(nowMs: number, localMinuteNow: number, forgiveAtMin: number): number {
  const minuteStart = Math.floor(nowMs / 60_000) * 60_000;
  const minutesAgo = (localMinuteNow - forgiveAtMin + 1440) % 1440;
  return minuteStart - minutesAgo * 60_000;
}
