/** Wall-clock time at the door: what schedules and holidays are written in. */
export interface LocalTime {
  /** Local calendar date, YYYY-MM-DD. */
  date: string;
  /** The local date before `date` (a window that crossed midnight belongs to the day it began). */
  prevDate: string;
  /** 0 = Monday … 6 = Sunday. */
  weekday: number;
  /** Minutes since local midnight, 0..1439. */
  minute: number;
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

function isoDate(y: number, m: number, d: number): string {
  return `${pad(y, 4)}-${pad(m)}-${pad(d)}`;
}

/**
 * Converts instants to local wall time in one IANA zone through Intl (so DST follows the
 * runtime's tz database, no dependency). Every offset in use today is a whole number of
 * minutes, so the answer is cached per UTC minute: a burst of attempts pays for Intl once.
 */
export class LocalTimeConverter {
  private readonly format: Intl.DateTimeFormat;
  private cachedMinute = Number.NaN;
  private cached: LocalTime | null = null;

  constructor(readonly timeZone: string) {
    this.format = new Intl.DateTimeFormat("en-US", {
      timeZone,
      hourCycle: "h23",
      year: "numeric",
      month: "numeric",
      day: "numeric",
      hour: "numeric",
      minute: "numeric",
    });
  }

  at(ms: number): LocalTime {
    const minute = Math.floor(ms / 60_000);
    if (minute === this.cachedMinute && this.cached) return this.cached;
    const parts: Record<string, number> = {};
    for (const p of this.format.formatToParts(ms)) if (p.type !== "literal") parts[p.type] = Number(p.value);
    const y = parts.year as number;
    const m = parts.month as number;
    const d = parts.day as number;
    const dayMs = Date.UTC(y, m - 1, d);
    const prev = new Date(dayMs - 86_400_000);
    const local: LocalTime = {
      date: isoDate(y, m, d),
      prevDate: isoDate(prev.getUTCFullYear(), prev.getUTCMonth() + 1, prev.getUTCDate()),
      weekday: (new Date(dayMs).getUTCDay() + 6) % 7,
      minute: ((parts.hour as number) % 24) * 60 + (parts.minute as number),
    };
    this.cachedMinute = minute;
    this.cached = local;
    return local;
  }
}
