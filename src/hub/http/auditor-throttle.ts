import { createHmac } from "node:crypto";
import {
  afterFailure,
  FORGET_AFTER_MS,
  type ThrottlePolicy,
  type ThrottleRow,
  throttledUntilOf,
} from "../../web/login-throttle-rules.js";
import type { HubStore } from "../store/hub-store.js";
import { loadOrCreateKeyFile } from "./hub-key-file.js";

/**
 * The door's login throttle (src/web/login-throttle-rules.ts) over the hub's database: per
 * (typed name, client network), unknown names counted like known ones. The typed name is kept
 * only as an HMAC under a key that lives in the hub's data directory, not in the database, so
 * a copy of the database cannot be searched for a password someone typed as a name.
 */
export class AuditorThrottle {
  constructor(
    private readonly store: HubStore,
    private readonly nameKey: Buffer,
    private readonly policy: ThrottlePolicy,
  ) {}

  async throttledUntil(name: string, network: string, nowMs: number): Promise<number | null> {
    return throttledUntilOf(await this.row(this.store, name, network), nowMs);
  }

  async recordFailure(name: string, network: string, nowMs: number) {
    return this.store.transaction(async (tx) => {
      await tx.query("DELETE FROM hub_auditor_login_throttles WHERE last_failure_ms < $1", [
        nowMs - FORGET_AFTER_MS,
      ]);
      // Two failures at once from one pair must both count: the row is locked for the update.
      const { row, started } = afterFailure(await this.row(tx, name, network, true), this.policy, nowMs);
      await tx.query(
        `INSERT INTO hub_auditor_login_throttles (name_key, address, failures, throttles, throttled_until_ms, last_failure_ms)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (name_key, address) DO UPDATE SET failures = EXCLUDED.failures,
           throttles = EXCLUDED.throttles, throttled_until_ms = EXCLUDED.throttled_until_ms,
           last_failure_ms = EXCLUDED.last_failure_ms`,
        [this.key(name), network, row.failures, row.throttles, row.throttled_until_ms, nowMs],
      );
      return started;
    });
  }

  async recordSuccess(name: string, network: string): Promise<void> {
    await this.store.query("DELETE FROM hub_auditor_login_throttles WHERE name_key = $1 AND address = $2", [
      this.key(name),
      network,
    ]);
  }

  private async row(
    sql: Pick<HubStore, "query">,
    name: string,
    network: string,
    forUpdate = false,
  ): Promise<ThrottleRow | undefined> {
    const [row] = await sql.query<ThrottleRow>(
      `SELECT failures, throttles, throttled_until_ms FROM hub_auditor_login_throttles
       WHERE name_key = $1 AND address = $2${forUpdate ? " FOR UPDATE" : ""}`,
      [this.key(name), network],
    );
    return row;
  }

  private key(name: string): string {
    return createHmac("sha256", this.nameKey).update(`auditor-login-name\0${name}`).digest("hex");
  }
}

/**
 * `<data_dir>/auditor-login.key`: 32 random bytes made on first use (0600). Hubs sharing one
 * PostgreSQL each keep their own key, so each counts its own attempts; give them the same file
 * to share the count.
 */
export function loadOrCreateNameKey(dataDir: string): Buffer {
  return loadOrCreateKeyFile(dataDir, "auditor-login.key");
}
