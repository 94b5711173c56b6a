import type { Db } from "./open-database.js";
import { StoreError } from "./user-store.js";

export interface AccessLevelInfo {
  id: number;
  name: string;
  doors: string[];
  /** The schedule's name, or null: the level applies at any time. */
  schedule: string | null;
  /** How many people hold it. */
  holders: number;
}

/** What one attempt needs to know about a person's levels at one door. */
export interface LevelsAtDoor {
  /** Whether the site has any level at all: with none, levels are not in use. */
  levelsInUse: boolean;
  /** The person's levels that name this door: their schedule id, or null for "any time". */
  covering: Array<{ level: string; scheduleId: number | null }>;
}

/**
 * Access levels (migration 9). No cache: every attempt reads the current rows (two indexed
 * reads), so a change made by the CLI in another process applies to the very next attempt.
 */
export class LevelStore {
  private readonly anyLevel;
  private readonly coveringLevels;

  constructor(private readonly db: Db) {
    this.anyLevel = db.prepare<[], number>("SELECT EXISTS (SELECT 1 FROM access_levels)").pluck();
    this.coveringLevels = db.prepare<[string, number], { level: string; schedule_id: number | null }>(
      `SELECT l.name AS level, l.schedule_id FROM user_access_levels ul
       JOIN access_level_doors d ON d.level_id = ul.level_id AND d.door = ?
       JOIN access_levels l ON l.id = ul.level_id
       WHERE ul.user_id = ?`,
    );
  }

  /** `knownInUse`: whether levels are in use, when the caller read it with the person (CredentialHolder). */
  levelsAtDoor(userId: number, door: string, knownInUse?: boolean): LevelsAtDoor {
    const levelsInUse = knownInUse ?? this.anyLevel.get() === 1;
    if (!levelsInUse) return { levelsInUse, covering: [] };
    const covering = this.coveringLevels
      .all(door, userId)
      .map((r) => ({ level: r.level, scheduleId: r.schedule_id }));
    return { levelsInUse, covering };
  }

  list(): AccessLevelInfo[] {
    const rows = this.db
      .prepare<
        [],
        { id: number; name: string; schedule: string | null; doors: string | null; holders: number }
      >(
        `SELECT l.id, l.name, s.name AS schedule,
           (SELECT group_concat(door, ',') FROM (SELECT door FROM access_level_doors WHERE level_id = l.id ORDER BY door)) AS doors,
           (SELECT count(*) FROM user_access_levels WHERE level_id = l.id) AS holders
         FROM access_levels l LEFT JOIN schedules s ON s.id = l.schedule_id ORDER BY l.name`,
      )
      .all();
    return rows.map((r) => ({
      id: r.id,
      name: r.name,
      doors: r.doors ? r.doors.split(",") : [],
      schedule: r.schedule,
      holders: r.holders,
    }));
  }

  find(name: string): AccessLevelInfo | undefined {
    return this.list().find((l) => l.name === name);
  }

  require(name: string): AccessLevelInfo {
    const level = this.find(name);
    if (!level) throw new StoreError(`no such access level: '${name}'`);
    return level;
  }

  /** Creates a level, or replaces an existing level's doors and schedule (its holders keep it). */
  put(name: string, doors: string[], scheduleId: number | null, nowMs: number): AccessLevelInfo {
    if (doors.length === 0) throw new StoreError("an access level needs at least one door");
    this.db
      .transaction(() => {
        this.db
          .prepare(
            `INSERT INTO access_levels (name, schedule_id, created_ms) VALUES (?, ?, ?)
             ON CONFLICT(name) DO UPDATE SET schedule_id = excluded.schedule_id`,
          )
          .run(name, scheduleId, nowMs);
        const id = this.db
          .prepare<[string], number>("SELECT id FROM access_levels WHERE name = ?")
          .pluck()
          .get(name) as number;
        this.db.prepare("DELETE FROM access_level_doors WHERE level_id = ?").run(id);
        const insert = this.db.prepare(
          "INSERT OR IGNORE INTO access_level_doors (level_id, door) VALUES (?, ?)",
        );
        for (const door of doors) insert.run(id, door);
      })
      .immediate();
    return this.require(name);
  }

  /** Refused while anyone holds it: removing it would silently change their access. */
  remove(name: string): void {
    const level = this.require(name);
    if (level.holders > 0)
      throw new StoreError(`access level '${name}' is held by ${level.holders} user(s); take it away first`);
    this.db.prepare("DELETE FROM access_levels WHERE id = ?").run(level.id);
  }

  /** Replaces the person's levels (an empty list: none). */
  setUserLevels(userId: number, levelIds: number[]): void {
    this.db
      .transaction(() => {
        this.db.prepare("DELETE FROM user_access_levels WHERE user_id = ?").run(userId);
        const insert = this.db.prepare("INSERT INTO user_access_levels (user_id, level_id) VALUES (?, ?)");
        for (const id of levelIds) insert.run(userId, id);
      })
      .immediate();
  }

  userLevels(userId: number): string[] {
    return this.db
      .prepare<[number], string>(
        `SELECT l.name FROM user_access_levels ul JOIN access_levels l ON l.id = ul.level_id
         WHERE ul.user_id = ? ORDER BY l.name`,
      )
      .pluck()
      .all(userId);
  }

  /** How many levels name this schedule (a schedule in use cannot be removed). */
  levelsUsingSchedule(scheduleId: number): number {
    return this.db
      .prepare<[number], number>("SELECT count(*) FROM access_levels WHERE schedule_id = ?")
      .pluck()
      .get(scheduleId) as number;
  }
}
