import type { Settings } from "../../config/schema.js";
import type { CredentialHasher } from "../../secrets/credential-hasher.js";
import type { Db } from "../../store/open-database.js";

export interface ThrottlePolicy {
  /** Consecutive wrong passwords for one name from one address before that pair is throttled. */
  maxFailures: number;
  /** The first throttle; each further one from the same pair lasts twice as long, up to maxMs. */
  lockoutMs: number;
  maxMs: number;
}

/** From `web.login`: the first throttle is lockout_s, doubling per repeat up to an hour (or lockout_s if longer). */
export function throttlePolicy(settings: Settings): ThrottlePolicy {
  const lockoutMs = settings.web.login.lockout_s * 1000;
  return { maxFailures: settings.web.login.max_failures, lockoutMs, maxMs: Math.max(3_600_000, lockoutMs) };
}

interface Row {
  failures: number;
  throttles: number;
  throttled_until_ms: number | null;
}

/** A pair that has not failed for a day starts again from nothing. */
const FORGET_AFTER_MS = 86_400_000;

/**
 * Wrong passwords counted per (typed name, client address), never per account alone: a stranger
 * who fails from their address throttles only themselves, and the real admin elsewhere still
 * logs in. Unknown names are counted exactly like known ones, so the answers never tell which
 * names exist. The name is stored only as a keyed hash (people type passwords into name fields).
 */
export class LoginThrottle {
  constructor(
    private readonly db: Db,
    private readonly hasher: CredentialHasher,
    private readonly policy: ThrottlePolicy,
  ) {}

  /** When this pair may try again, or null if it may try now. */
  throttledUntil(name: string, address: string, nowMs: number): number | null {
    const row = this.row(name, address);
    return row?.throttled_until_ms && row.throttled_until_ms > nowMs ? row.throttled_until_ms : null;
  }

  /** Counts a wrong password; returns the throttle it started, if this failure started one. */
  recordFailure(
    name: string,
    address: string,
    nowMs: number,
  ): { untilMs: number; failures: number; throttles: number } | null {
    return this.db
      .transaction(() => {
        this.db
          .prepare("DELETE FROM admin_login_throttles WHERE last_failure_ms < ?")
          .run(nowMs - FORGET_AFTER_MS);
        const row = this.row(name, address) ?? { failures: 0, throttles: 0, throttled_until_ms: null };
        const failures = row.failures + 1;
        let throttles = row.throttles;
        let until = row.throttled_until_ms;
        const started = failures >= this.policy.maxFailures;
        if (started) {
          throttles++;
          until = nowMs + Math.min(this.policy.maxMs, this.policy.lockoutMs * 2 ** (throttles - 1));
        }
        this.db
          .prepare(
            `INSERT INTO admin_login_throttles (name_key, address, failures, throttles, throttled_until_ms, last_failure_ms)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (name_key, address) DO UPDATE SET failures = excluded.failures,
               throttles = excluded.throttles, throttled_until_ms = excluded.throttled_until_ms,
               last_failure_ms = excluded.last_failure_ms`,
          )
          .run(this.key(name), address, started ? 0 : failures, throttles, until, nowMs);
        return started && until !== null ? { untilMs: until, failures, throttles } : null;
      })
      .immediate();
  }

  /** The right password from this pair: its count starts again. */
  recordSuccess(name: string, address: string): void {
    this.db
      .prepare("DELETE FROM admin_login_throttles WHERE name_key = ? AND address = ?")
      .run(this.key(name), address);
  }

  /** `doorward admin unlock NAME`: lifts every throttle on this name, from every address. */
  clearName(name: string): number {
    return this.db.prepare("DELETE FROM admin_login_throttles WHERE name_key = ?").run(this.key(name))
      .changes;
  }

  /** Addresses currently throttled for this name (for `admin list`). */
  throttledAddresses(name: string, nowMs: number): number {
    return (
      this.db
        .prepare<[string, number], { n: number }>(
          "SELECT count(*) AS n FROM admin_login_throttles WHERE name_key = ? AND throttled_until_ms > ?",
        )
        .get(this.key(name), nowMs)?.n ?? 0
    );
  }

  private row(name: string, address: string): Row | undefined {
    return this.db
      .prepare<[string, string], Row>(
        "SELECT failures, throttles, throttled_until_ms FROM admin_login_throttles WHERE name_key = ? AND address = ?",
      )
      .get(this.key(name), address);
  }

  /** Keyed with the device secret. The PIN domain holds only digit strings, so this prefix never collides with a PIN. */
  private key(name: string): string {
    return this.hasher.hash("pin", `admin-login-name\0${name}`);
  }
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
