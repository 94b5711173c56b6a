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

/** Parses a time given on the command line: ISO 8601 ("2026-03-01", "2026-03-01T08:00:00Z") or an age ("24h", "7d", "30m"). */
export function parseTimeArg(flag: string, value: string, nowMs: number): number {
  const age = /^(\d+)([smhd])$/.exec(value);
  if (age) {
    const unit = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as "s" | "m" | "h" | "d"];
    return nowMs - Number(age[1]) * unit;
  }
  if (/^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
    const ms = Date.parse(value);
    if (!Number.isNaN(ms)) return ms;
  }
  throw new UsageError(
    `${flag}: expected an ISO 8601 date or time (2026-03-01, 2026-03-01T08:00:00Z) or an age (30m, 24h, 7d), got '${value}'`,
  );
}
