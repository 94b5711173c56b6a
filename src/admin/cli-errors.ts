/** Wrong arguments: print the message and the usage, exit 2. */
export class UsageError extends Error {
  override name = "UsageError";
  constructor(
    message: string,
    readonly usage?: string,
  ) {
    super(message);
  }
}

/**
 * Parses a time given on the command line: ISO 8601 ("2026-03-01", "2026-03-01T08:00:00Z") or a
 * duration ("24h", "7d", "30m"). A duration counts back from now for options that look at the
 * past (`--since 7d`: a week ago) and forward for options that set a future limit
 * (`--valid-until 7d`: a week from now).
 */
export function parseTimeArg(
  flag: string,
  value: string,
  nowMs: number,
  direction: "past" | "future" = "past",
): number {
  const age = /^(\d{1,6})([smhd])$/.exec(value);
  if (age) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as "s" | "m" | "h" | "d"];
    return nowMs + (direction === "future" ? 1 : -1) * Number(age[1]) * unit;
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `${flag}: expected an ISO 8601 date or time (2026-03-01, 2026-03-01T08:00:00Z) or a duration (30m, 24h, 7d), got '${value}'`,
  );
}

/**
 * An "until" option (--valid-until, --agreement-until): a duration points forward, and a time
 * already past is refused unless the admin says --allow-past (a date in the past is usually
 * a typo, and it would lock the person out at once).
 */
export function parseUntilArg(flag: string, value: string, nowMs: number, allowPast: boolean): number {
  const ms = parseTimeArg(flag, value, nowMs, "future");
  if (ms <= nowMs && !allowPast)
    throw new UsageError(
      `${flag}: ${new Date(ms).toISOString()} is in the past; give a future time, or add --allow-past if you mean it`,
    );
  return ms;
}
