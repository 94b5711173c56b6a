import type { DoorMode } from "../access/decide.js";
import { type CompiledSchedule, compileSchedule, type ScheduleWindow } from "../access/schedule.js";
import type { Db } from "./open-database.js";
import { StoreError, type UserRole } from "./user-store.js";

export interface ScheduleInfo {
  id: number;
  name: string;
  windows: ScheduleWindow[];
}

export interface ModeRecord {
  mode: DoorMode;
  since_ms: number;
  by: string;
}

/**
 * The kv key the CLI writes and the service reads: the process boundary for door modes. This is
 * the single-door key of older versions; a door's own is door-state.ts doorModeKey(id).
 */
export const MODE_KEY = "door:mode";

/** Everything the decision needs that changes only when an admin edits it. */
export interface PolicySnapshot {
  /** The policy revision this was read at (migration 6's counter). */
  revision: number;
  schedules: Map<number, CompiledSchedule>;
  scheduleIdsByName: Map<string, number>;
  holidays: Set<string>;
  mode: ModeRecord;
}

const NORMAL: ModeRecord = { mode: "normal", since_ms: 0, by: "default" };

/**
 * Schedules, holidays, per-user policy fields and the door mode. The service caches a
 * compiled snapshot and reloads it only when the policy revision moved: a counter that
 * triggers (migration 6) bump in the same transaction as any change to schedules, windows,
 * holidays or the mode, whoever makes it — this connection, the CLI in another process, or
 * a hand-run sqlite3 shell. So nothing here needs to remember to count its own writes.
 */
export class PolicyStore {
  private readonly revisionRow;

  constructor(
    private readonly db: Db,
    /** Which door's mode this store reads and writes (doorModeKey); schedules are shared. */
    private readonly modeKey: string = MODE_KEY,
  ) {
    this.revisionRow = db.prepare<[], number>("SELECT n FROM policy_revision WHERE id = 1").pluck();
  }

  /** The current policy revision; UserStore's credential lookups read the same counter. */
  revision(): number {
    return this.revisionRow.get() ?? 0;
  }

  /** Read in one transaction, so the content is exactly that of the revision it carries. */
  snapshot(): PolicySnapshot {
    return this.db.transaction(() => this.readSnapshot())();
  }

  private readSnapshot(): PolicySnapshot {
    const revision = this.revision();
    const schedules = new Map<number, CompiledSchedule>();
    const scheduleIdsByName = new Map<string, number>();
    for (const s of this.listSchedules()) {
      schedules.set(s.id, compileSchedule(s.id, s.name, s.windows));
      scheduleIdsByName.set(s.name, s.id);
    }
    const holidays = new Set(
      this.db
        .prepare<[], { date: string }>("SELECT date FROM holidays")
        .all()
        .map((r) => r.date),
    );
    return { revision, schedules, scheduleIdsByName, holidays, mode: this.mode() };
  }

  listSchedules(): ScheduleInfo[] {
    const rows = this.db
      .prepare<
        [],
        { id: number; name: string; weekday: number | null; start_min: number | null; end_min: number | null }
      >(
        `SELECT s.id, s.name, w.weekday, w.start_min, w.end_min FROM schedules s
         LEFT JOIN schedule_windows w ON w.schedule_id = s.id ORDER BY s.name, w.weekday, w.start_min`,
      )
      .all();
    const byId = new Map<number, ScheduleInfo>();
    for (const r of rows) {
      let s = byId.get(r.id);
      if (!s) {
        s = { id: r.id, name: r.name, windows: [] };
        byId.set(r.id, s);
      }
      if (r.weekday !== null)
        s.windows.push({ weekday: r.weekday, startMin: r.start_min as number, endMin: r.end_min as number });
    }
    return [...byId.values()];
  }

  findSchedule(name: string): ScheduleInfo | undefined {
    return this.listSchedules().find((s) => s.name === name);
  }

  requireSchedule(name: string): ScheduleInfo {
    const s = this.findSchedule(name);
    if (!s) throw new StoreError(`no such schedule: '${name}'`);
    return s;
  }

  /** Adds windows to a schedule, creating it if needed. */
  addSchedule(name: string, windows: ScheduleWindow[], nowMs: number): ScheduleInfo {
    this.db
      .transaction(() => {
        this.db.prepare("INSERT OR IGNORE INTO schedules (name, created_ms) VALUES (?, ?)").run(name, nowMs);
        const { id } = this.db
          .prepare<[string], { id: number }>("SELECT id FROM schedules WHERE name = ?")
          .get(name) as { id: number };
        const insert = this.db.prepare(
          "INSERT INTO schedule_windows (schedule_id, weekday, start_min, end_min) VALUES (?, ?, ?, ?)",
        );
        for (const w of windows) insert.run(id, w.weekday, w.startMin, w.endMin);
      })
      .immediate();
    return this.requireSchedule(name);
  }

  /**
   * Replaces a schedule's windows in one transaction, keeping its id and so everyone assigned to
   * it. The schedule_windows triggers (migration 6) move the policy revision in the same commit,
   * so the very next attempt reloads the snapshot with the new windows.
   */
  replaceWindows(name: string, windows: ScheduleWindow[]): ScheduleInfo {
    if (windows.length === 0) throw new StoreError("a schedule needs at least one window");
    this.db
      .transaction(() => {
        const { id } = this.requireSchedule(name);
        this.db.prepare("DELETE FROM schedule_windows WHERE schedule_id = ?").run(id);
        const insert = this.db.prepare(
          "INSERT INTO schedule_windows (schedule_id, weekday, start_min, end_min) VALUES (?, ?, ?, ?)",
        );
        for (const w of windows) insert.run(id, w.weekday, w.startMin, w.endMin);
      })
      .immediate();
    return this.requireSchedule(name);
  }

  /** Refused while anyone is assigned to it: removing it would silently change their access. */
  removeSchedule(name: string): void {
    const s = this.requireSchedule(name);
    const users = this.db
      .prepare<[number], { n: number }>("SELECT count(*) AS n FROM user_schedules WHERE schedule_id = ?")
      .get(s.id);
    if (users && users.n > 0)
      throw new StoreError(`schedule '${name}' is assigned to ${users.n} user(s); unassign it first`);
    const levels = this.db
      .prepare<[number], number>("SELECT count(*) FROM access_levels WHERE schedule_id = ?")
      .pluck()
      .get(s.id);
    if (levels)
      throw new StoreError(`schedule '${name}' is used by ${levels} access level(s); change them first`);
    this.db.prepare("DELETE FROM schedules WHERE id = ?").run(s.id);
  }

  listHolidays(): Array<{ date: string; name: string }> {
    return this.db
      .prepare<[], { date: string; name: string }>("SELECT date, name FROM holidays ORDER BY date")
      .all();
  }

  addHoliday(date: string, name: string): void {
    this.db
      .prepare(
        "INSERT INTO holidays (date, name) VALUES (?, ?) ON CONFLICT(date) DO UPDATE SET name = excluded.name",
      )
      .run(date, name);
  }

  removeHoliday(date: string): void {
    if (this.db.prepare("DELETE FROM holidays WHERE date = ?").run(date).changes === 0) {
      throw new StoreError(`no holiday on ${date}`);
    }
  }

  /** Replaces the user's schedules (an empty list: no schedule, see policy.require_schedule). */
  setUserSchedules(userId: number, scheduleIds: number[]): void {
    this.db
      .transaction(() => {
        this.db.prepare("DELETE FROM user_schedules WHERE user_id = ?").run(userId);
        const insert = this.db.prepare("INSERT INTO user_schedules (user_id, schedule_id) VALUES (?, ?)");
        for (const id of scheduleIds) insert.run(userId, id);
      })
      .immediate();
  }

  setRole(userId: number, role: UserRole): void {
    this.db.prepare("UPDATE users SET role = ? WHERE id = ?").run(role, userId);
  }

  setAgreementUntil(userId: number, untilMs: number | null): void {
    this.db.prepare("UPDATE users SET agreement_until_ms = ? WHERE id = ?").run(untilMs, userId);
  }

  mode(): ModeRecord {
    const row = this.db
      .prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?")
      .get(this.modeKey);
    return row ? (JSON.parse(row.value) as ModeRecord) : NORMAL;
  }

  setMode(record: ModeRecord): void {
    this.db
      .prepare(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(this.modeKey, JSON.stringify(record));
  }
}
