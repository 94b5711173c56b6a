import type { Clock } from "../../devices/types.js";
import type { AuditLog } from "../audit/audit-log.js";
import { PASSBACK_FORGIVEN } from "../site/occupancy-log.js";
import { type AccessLevelInfo, LevelStore } from "../store/level-store.js";
import type { Db } from "../store/open-database.js";
import { PolicyStore } from "../store/policy-store.js";
import type { User, UserStore } from "../store/user-store.js";

/**
 * Access levels and anti-passback forgiveness, as an admin changes them (CLI, page). Each change
 * commits in one transaction with its audit row (`detail.by` names the actor), so the log never
 * misses a change and never shows one that did not happen.
 */
export class LevelAdminService {
  readonly levels: LevelStore;
  private readonly policy: PolicyStore;

  constructor(
    private readonly db: Db,
    private readonly users: UserStore,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly actor: string,
  ) {
    this.levels = new LevelStore(db);
    this.policy = new PolicyStore(db);
  }

  /** Creates the level, or replaces the doors and schedule of an existing one (holders keep it). */
  putLevel(name: string, doors: string[], schedule: string | null): AccessLevelInfo {
    return this.atomically(() => {
      const scheduleId = schedule === null ? null : this.policy.requireSchedule(schedule).id;
      const existed = this.levels.find(name) !== undefined;
      const level = this.levels.put(name, [...new Set(doors)], scheduleId, this.clock.now());
      this.note(existed ? "access_level_changed" : "access_level_added", null, {
        level: name,
        doors: level.doors,
        schedule,
      });
      return level;
    });
  }

  removeLevel(name: string): void {
    this.atomically(() => {
      this.levels.remove(name);
      this.note("access_level_removed", null, { level: name });
    });
  }

  /** Replaces the person's levels; unknown levels fail before anything changes. */
  setUserLevels(nameOrCode: string, levelNames: string[]): User {
    const user = this.users.require(nameOrCode);
    this.atomically(() => {
      const ids = [...new Set(levelNames)].map((n) => this.levels.require(n).id);
      this.levels.setUserLevels(user.id, ids);
      this.note("user_levels_changed", user, { levels: [...new Set(levelNames)].sort() });
    });
    return user;
  }

  /**
   * Counts the person as outside (of one door's room, or of every room): their next entry is not
   * a passback. The running service folds this row from the log at its next attempt.
   */
  forgivePassback(nameOrCode: string, door: string | null): User {
    const user = this.users.require(nameOrCode);
    this.atomically(() => this.note(PASSBACK_FORGIVEN, user, door === null ? {} : { door }));
    return user;
  }

  private atomically<T>(change: () => T): T {
    return this.db.transaction(change).immediate();
  }

  private note(reason: string, user: User | null, extra: Record<string, unknown>): void {
    this.audit.append(
      { kind: "system", reason, userCode: user?.userCode ?? null, detail: { by: this.actor, ...extra } },
      this.clock.now(),
    );
  }
}
