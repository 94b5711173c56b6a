import type { LocalTime } from "./local-time.js";

/** One weekly window as stored: weekday 0 = Monday; endMin <= startMin runs past midnight. */
export interface ScheduleWindow {
  weekday: number;
  startMin: number;
  endMin: number;
}

/** A window cut at midnight, filed under the weekday it covers. */
interface Piece {
  startMin: number;
  endMin: number;
  /** True for the after-midnight part: the window began on the previous local date. */
  begunYesterday: boolean;
}

/** A schedule compiled once per change, so a check reads only the pieces of one weekday. */
export interface CompiledSchedule {
  id: number;
  name: string;
  byWeekday: Piece[][];
}

export function compileSchedule(id: number, name: string, windows: ScheduleWindow[]): CompiledSchedule {
  const byWeekday: Piece[][] = [[], [], [], [], [], [], []];
  for (const w of windows) {
    const today = byWeekday[w.weekday] as Piece[];
    if (w.endMin > w.startMin) {
      today.push({ startMin: w.startMin, endMin: w.endMin, begunYesterday: false });
    } else {
      today.push({ startMin: w.startMin, endMin: 1440, begunYesterday: false });
      if (w.endMin > 0)
        (byWeekday[(w.weekday + 1) % 7] as Piece[]).push({
          startMin: 0,
          endMin: w.endMin,
          begunYesterday: true,
        });
    }
  }
  for (const day of byWeekday) day.sort((a, b) => a.startMin - b.startMin);
  return { id, name, byWeekday };
}

/**
 * Whether the schedule is open at this local time. A holiday closes every window that began
 * on that date, including its part after midnight; a window begun the evening before a
 * holiday runs to its end.
 */
export function scheduleOpen(
  schedule: CompiledSchedule,
  local: LocalTime,
  holidays: ReadonlySet<string>,
): boolean {
  const pieces = schedule.byWeekday[local.weekday] as Piece[];
  for (const p of pieces) {
    if (local.minute < p.startMin) return false; // sorted: nothing later can contain it
    if (local.minute >= p.endMin) continue;
    if (!holidays.has(p.begunYesterday ? local.prevDate : local.date)) return true;
  }
  return false;
}

/** True when any of the listed schedules is open; unknown ids count as closed. */
export function anyScheduleOpen(
  ids: readonly number[],
  schedules: ReadonlyMap<number, CompiledSchedule>,
  local: LocalTime,
  holidays: ReadonlySet<string>,
): boolean {
  for (const id of ids) {
    const s = schedules.get(id);
    if (s && scheduleOpen(s, local, holidays)) return true;
  }
  return false;
}

const DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/**
 * Parses "mon-fri 08:00-18:00", "sat,sun 10:00-14:00", "daily 22:00-06:00" (crossing midnight)
 * into windows; returns an error message instead of throwing so the CLI can print one line.
 */
export function parseWindowSpec(spec: string): ScheduleWindow[] | string {
  const m = /^\s*([a-z,-]+)\s+(\d{2}):(\d{2})-(\d{2}):(\d{2})\s*$/.exec(spec.toLowerCase());
  if (!m) return `expected a window like 'mon-fri 08:00-18:00', got '${spec}'`;
  const [, daysPart, h1, m1, h2, m2] = m as unknown as [string, string, string, string, string, string];
  const startMin = Number(h1) * 60 + Number(m1);
  const endMin = Number(h2) * 60 + Number(m2);
  if (Number(h1) > 23 || Number(m1) > 59 || Number(h2) > 24 || Number(m2) > 59 || endMin > 1440) {
    return `'${spec}': times run from 00:00 to 24:00`;
  }
  if (startMin === endMin) return `'${spec}': a window needs a start and an end that differ`;
  const days = new Set<number>();
  for (const part of daysPart.split(",")) {
    if (part === "daily") for (let d = 0; d < 7; d++) days.add(d);
    else if (part === "weekdays") for (let d = 0; d < 5; d++) days.add(d);
    else if (part.includes("-")) {
      const [a, b] = part.split("-").map((p) => DAYS.indexOf(p));
      if (a === undefined || b === undefined || a < 0 || b < 0) return `'${spec}': unknown day in '${part}'`;
      for (let d = a; ; d = (d + 1) % 7) {
        days.add(d);
        if (d === b) break;
      }
    } else {
      const d = DAYS.indexOf(part);
      if (d < 0) return `'${spec}': unknown day '${part}' (mon..sun, daily, weekdays)`;
      days.add(d);
    }
  }
  return [...days].sort().map((weekday) => ({ weekday, startMin, endMin }));
}

export function formatWindow(w: ScheduleWindow): string {
  const hm = (min: number) =>
    `${String(Math.floor(min / 60)).padStart(2, "0")}:${String(min % 60).padStart(2, "0")}`;
  return `${DAYS[w.weekday]} ${hm(w.startMin)}-${hm(w.endMin)}`;
}
