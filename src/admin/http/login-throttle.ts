import type { Settings } from "../../config/schema.js";
import type { CredentialHasher } from "../../secrets/credential-hasher.js";
import type { Db } from "../../store/open-database.js";
import {
  afterFailure,
  FORGET_AFTER_MS,
  type ThrottlePolicy,
  type ThrottleRow,
  throttledUntilOf,
  throttlePolicyOf,
} from "../../web/login-throttle-rules.js";

export { clientNetwork, type ThrottlePolicy } from "../../web/login-throttle-rules.js";

/** From `web.login`: the first throttle is lockout_s, doubling per repeat up to an hour (or lockout_s if longer). */
export function throttlePolicy(settings: Settings): ThrottlePolicy {
  return throttlePolicyOf(settings.web.login);
}

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
    return throttledUntilOf(this.row(name, address), nowMs);
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
        const { row, started } = afterFailure(this.row(name, address), this.policy, nowMs);
        this.db
          .prepare(
            `INSERT INTO admin_login_throttles (name_key, address, failures, throttles, throttled_until_ms, last_failure_ms)
             VALUES (?, ?, ?, ?, ?, ?)
             ON CONFLICT (name_key, address) DO UPDATE SET failures = excluded.failures,
               throttles = excluded.throttles, throttled_until_ms = excluded.throttled_until_ms,
               last_failure_ms = excluded.last_failure_ms`,
          )
          .run(this.key(name), address, row.failures, row.throttles, row.throttled_until_ms, nowMs);
        return started;
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

  private row(name: string, address: string): ThrottleRow | undefined {
    return this.db
      .prepare<[string, string], ThrottleRow>(
        "SELECT failures, throttles, throttled_until_ms FROM admin_login_throttles WHERE name_key = ? AND address = ?",
      )
      .get(this.key(name), address);
  }

  /** Keyed with the device secret. The PIN domain holds only digit strings, so this prefix never collides with a PIN. */
  private key(name: string): string {
    return this.hasher.hash("pin", `admin-login-name\0${name}`);
  }
}
