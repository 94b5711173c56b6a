/**
 * The login-throttle rules shared by the door's admin page and the hub's auditor page: wrong
 * passwords are counted per (typed name, client network), never per account alone, so a
 * stranger can only throttle their own address; each throttle from the same pair lasts twice
 * as long as the one before, up to maxMs; a pair quiet for a day starts again from nothing.
 */
export interface ThrottlePolicy {
  /** Consecutive wrong passwords for one name from one address before that pair is throttled. */
  maxFailures: number;
  /** The first throttle; each further one from the same pair lasts twice as long, up to maxMs. */
  lockoutMs: number;
  maxMs: number;
}

/** From a page's `login` settings: the first throttle is lockout_s, doubling per repeat up to an hour (or lockout_s if longer). */
export function throttlePolicyOf(login: { max_failures: number; lockout_s: number }): ThrottlePolicy {
  const lockoutMs = login.lockout_s * 1000;
  return { maxFailures: login.max_failures, lockoutMs, maxMs: Math.max(3_600_000, lockoutMs) };
}

/** A pair that has not failed for a day starts again from nothing. */
export const FORGET_AFTER_MS = 86_400_000;

export interface ThrottleRow {
  failures: number;
  throttles: number;
  throttled_until_ms: number | null;
}

/** What one more wrong password makes of a pair's row (undefined: the pair has no row yet). */
export function afterFailure(
  row: ThrottleRow | undefined,
  policy: ThrottlePolicy,
  nowMs: number,
): { row: ThrottleRow; started: { untilMs: number; failures: number; throttles: number } | null } {
  const prev = row ?? { failures: 0, throttles: 0, throttled_until_ms: null };
  const failures = prev.failures + 1;
  if (failures < policy.maxFailures)
    return { row: { ...prev, failures, throttled_until_ms: prev.throttled_until_ms }, started: null };
  const throttles = prev.throttles + 1;
  const untilMs = nowMs + Math.min(policy.maxMs, policy.lockoutMs * 2 ** (throttles - 1));
  return {
    row: { failures: 0, throttles, throttled_until_ms: untilMs },
    started: { untilMs, failures, throttles },
  };
}

/** When the pair may try again, or null if it may try now. */
export function throttledUntilOf(row: ThrottleRow | undefined, nowMs: number): number | null {
  return row?.throttled_until_ms && row.throttled_until_ms > nowMs ? row.throttled_until_ms : null;
}

/**
 * The unit a client is counted by: an IPv4 address as is (an IPv4-mapped IPv6 address as its
 * IPv4 form), an IPv6 address as its /64, since one host is routinely given a whole /64 and could
 * otherwise start afresh from each of its 2^64 addresses.
 */
export function clientNetwork(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1] as string;
  if (!address.includes(":")) return address;
  const [head = "", tail] = address.toLowerCase().split("%")[0]?.split("::") ?? [];
  const left = head ? head.split(":") : [];
  const right = tail ? tail.split(":") : [];
  const groups =
    tail === undefined ? left : [...left, ...Array(8 - left.length - right.length).fill("0"), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.padStart(4, "0"))
    .join(":")}::/64`;
}
