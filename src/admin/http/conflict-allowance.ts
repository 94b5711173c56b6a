import type { Clock } from "../../../devices/types.js";
import type { Db } from "../../store/open-database.js";
import { HttpError } from "./router.js";
import type { Session } from "./session-store.js";
import { type WebDeps, webActor } from "./web-deps.js";

const HOUR_MS = 3_600_000;

/**
 * "This PIN/badge is not available" tells an admin that someone holds it, and a PIN identifies
 * its owner at the door. Uniqueness stays, so the answer stays; but each admin gets only
 * PER_HOUR of them in any hour. Counted in the database, so neither logging in again nor a
 * restart resets the count.
 */
export class ConflictAllowance {
  static readonly PER_HOUR = 5;

  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
  ) {}

  /** Counts one refusal for this admin; returns how many they had in the last hour, this one included. */
  record(admin: string): number {
    const now = this.clock.now();
    return this.db
      .transaction(() => {
        this.db.prepare("DELETE FROM admin_conflict_answers WHERE ts_ms <= ?").run(now - HOUR_MS);
        this.db
          .prepare(
            "INSERT INTO admin_conflict_answers (admin_id, ts_ms) SELECT id, ? FROM admin_accounts WHERE name = ?",
          )
          .run(now, admin);
        return (
          this.db
            .prepare<[string], { n: number }>(
              `SELECT count(*) AS n FROM admin_conflict_answers
               WHERE admin_id = (SELECT id FROM admin_accounts WHERE name = ?)`,
            )
            .get(admin)?.n ?? 0
        );
      })
      .immediate();
  }
}

const isConflict = (err: unknown): err is HttpError =>
  err instanceof HttpError && err.status === 409 && (err.field === "pin" || err.field === "number");

/**
 * Runs a PIN or badge change; a "not available" answer counts against the admin's allowance.
 * Past it, every session of that admin ends and an `admin_pin_probe` alert is logged.
 */
export async function withConflictAllowance<T>(
  deps: WebDeps,
  session: Session | null,
  kind: "pin" | "duress_pin" | "badge",
  fn: () => T | Promise<T>,
): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (!isConflict(err) || !session) throw err;
    const refusals = deps.conflicts.record(session.admin);
    if (refusals <= ConflictAllowance.PER_HOUR) throw err;
    deps.sessions.endAllFor(session.admin);
    deps.audit.append(
      {
        kind: "system",
        reason: "admin_pin_probe",
        detail: {
          by: webActor(deps, session.admin),
          alert: true,
          credential: kind,
          refusals,
          window_s: HOUR_MS / 1000,
        },
      },
      deps.clock.now(),
    );
    throw new HttpError(
      401,
      `session ended: more than ${ConflictAllowance.PER_HOUR} PINs or badges refused as not available within an hour`,
    );
  }
}
