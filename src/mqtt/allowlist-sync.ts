import { z } from "zod";
import type { KeyValueStore } from "../store/key-value-store.js";
import { LevelStore } from "../store/level-store.js";
import type { Db } from "../store/open-database.js";

/**
 * Allowlist distribution for a fleet. A snapshot is the whole allowlist of one group at a
 * version; a delta changes it from `base_version` to `version`. Both are admin-signed (see
 * signed-envelope.ts). Names never travel: a door knows people by user code. Only PIN and
 * badge hashes travel (keyed with the fleet's shared credential key); fingerprint slots are
 * local to each sensor, so a door keeps its own fingerprint credentials for users that remain.
 */
const fleetUser = z
  .object({
    user_code: z.string().regex(/^u-[A-Z0-9]{4,16}$/),
    enabled: z.boolean(),
    valid_from_ms: z.number().int().nullable(),
    valid_until_ms: z.number().int().nullable(),
    credentials: z.array(
      z.object({ kind: z.enum(["pin", "badge"]), lookup: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
    ),
    /**
     * The door ids this person may pass (from the admin's access levels); absent when the admin
     * uses no levels: every door. A door stores only the people who may pass one of its doors.
     */
    doors: z.array(z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/)).optional(),
  })
  .strict();
export type FleetUser = z.infer<typeof fleetUser>;

export const snapshotSchema = z
  .object({
    type: z.literal("allowlist_snapshot"),
    group: z.string().min(1),
    version: z.number().int().positive(),
    ts_ms: z.number().int(),
    users: z.array(fleetUser),
  })
  .strict();
export type AllowlistSnapshot = z.infer<typeof snapshotSchema>;

export const deltaSchema = z
  .object({
    type: z.literal("allowlist_delta"),
    group: z.string().min(1),
    base_version: z.number().int().nonnegative(),
    version: z.number().int().positive(),
    ts_ms: z.number().int(),
    upsert: z.array(fleetUser),
    remove: z.array(z.string()),
  })
  .strict()
  .refine((d) => d.version === d.base_version + 1, "a delta moves one version");
export type AllowlistDelta = z.infer<typeof deltaSchema>;

export const ALLOWLIST_VERSION_KEY = "allowlist:version";

export type ApplyResult =
  | { applied: true; version: number }
  | {
      applied: false;
      reason: "wrong_group" | "old_version" | "version_gap" | "apply_failed";
      detail?: string;
    };

/** Applies snapshots and deltas to the door's own user store, each in one transaction. */
export class AllowlistApplier {
  private readonly levels: LevelStore;

  constructor(
    private readonly db: Db,
    private readonly kv: KeyValueStore,
    private readonly group: string | null,
    /** This controller's door ids: people whose `doors` name none of them are not stored. */
    private readonly localDoors: readonly string[] = [],
  ) {
    this.levels = new LevelStore(db);
  }

  version(): number {
    return this.kv.getJson<number>(ALLOWLIST_VERSION_KEY) ?? 0;
  }

  applySnapshot(s: AllowlistSnapshot, nowMs: number): ApplyResult {
    if (s.group !== this.group) return { applied: false, reason: "wrong_group" };
    return this.inTransaction(s.version, (current) => {
      if (s.version <= current) return { applied: false, reason: "old_version" };
      const keep = new Set(s.users.map((u) => u.user_code));
      for (const row of this.db.prepare<[], { user_code: string }>("SELECT user_code FROM users").all()) {
        if (!keep.has(row.user_code))
          this.db.prepare("DELETE FROM users WHERE user_code = ?").run(row.user_code);
      }
      // Clear every travelling credential first, so one moving between two users never collides mid-apply.
      this.db.prepare("DELETE FROM credentials WHERE kind IN ('pin', 'badge')").run();
      for (const u of s.users) this.upsert(u, nowMs);
      this.dropUnusedFleetLevels();
      return null;
    });
  }

  applyDelta(d: AllowlistDelta, nowMs: number): ApplyResult {
    if (d.group !== this.group) return { applied: false, reason: "wrong_group" };
    return this.inTransaction(d.version, (current) => {
      if (d.version <= current) return { applied: false, reason: "old_version" };
      if (d.base_version !== current)
        return { applied: false, reason: "version_gap", detail: `have ${current}` };
      for (const code of d.remove) this.db.prepare("DELETE FROM users WHERE user_code = ?").run(code);
      for (const u of d.upsert) {
        this.db
          .prepare(
            "DELETE FROM credentials WHERE kind IN ('pin', 'badge') AND user_id = (SELECT id FROM users WHERE user_code = ?)",
          )
          .run(u.user_code);
      }
      for (const u of d.upsert) this.upsert(u, nowMs);
      this.dropUnusedFleetLevels();
      return null;
    });
  }

  /** All or nothing: any failure inside (a constraint, a bad row) rolls the whole change back. */
  private inTransaction(version: number, body: (current: number) => ApplyResult | null): ApplyResult {
    try {
      return this.db
        .transaction((): ApplyResult => {
          const refused = body(this.version());
          if (refused) return refused;
          this.kv.setJson(ALLOWLIST_VERSION_KEY, version);
          return { applied: true, version };
        })
        .immediate();
    } catch (err) {
      return { applied: false, reason: "apply_failed", detail: (err as Error).message };
    }
  }

  /** Whether this controller stores the person: they may pass one of its doors (or levels are not in use). */
  private passesHere(u: FleetUser): boolean {
    return !u.doors || this.localDoors.length === 0 || u.doors.some((d) => this.localDoors.includes(d));
  }

  /**
   * The person's doors become local levels `fleet:<door>`, one per door of this controller, so
   * the site rules apply them door by door (no_access_to_door elsewhere).
   */
  private setFleetLevels(userId: number, doors: readonly string[] | undefined, nowMs: number): void {
    if (!doors) {
      this.levels.setUserLevels(userId, []);
      return;
    }
    const ids = doors
      .filter((d) => this.localDoors.length === 0 || this.localDoors.includes(d))
      .map((d) => (this.levels.find(`fleet:${d}`) ?? this.levels.put(`fleet:${d}`, [d], null, nowMs)).id);
    this.levels.setUserLevels(userId, ids);
  }

  /**
   * With levels in use every stored fleet person holds a fleet level (one with no door here is
   * not stored). None held: the admin stopped using levels, so the fleet levels go and levels are
   * not in use here either (an empty level would otherwise deny everyone everywhere).
   */
  private dropUnusedFleetLevels(): void {
    const held = this.db
      .prepare<[], number>(
        `SELECT EXISTS (SELECT 1 FROM user_access_levels ul JOIN access_levels l ON l.id = ul.level_id
         WHERE l.name LIKE 'fleet:%')`,
      )
      .pluck()
      .get();
    if (held === 1) return;
    this.db
      .prepare(
        "DELETE FROM user_access_levels WHERE level_id IN (SELECT id FROM access_levels WHERE name LIKE 'fleet:%')",
      )
      .run();
    this.db.prepare("DELETE FROM access_levels WHERE name LIKE 'fleet:%'").run();
  }

  private upsert(u: FleetUser, nowMs: number): void {
    if (!this.passesHere(u)) {
      this.db.prepare("DELETE FROM users WHERE user_code = ?").run(u.user_code);
      return;
    }
    // The name column is local and required; a fleet door knows the person by code only.
    this.db
      .prepare(
        `INSERT INTO users (user_code, name, enabled, valid_from_ms, valid_until_ms, created_ms) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT(user_code) DO UPDATE SET enabled = excluded.enabled,
           valid_from_ms = excluded.valid_from_ms, valid_until_ms = excluded.valid_until_ms`,
      )
      .run(u.user_code, u.user_code, u.enabled ? 1 : 0, u.valid_from_ms, u.valid_until_ms, nowMs);
    const id = this.db
      .prepare<[string], { id: number }>("SELECT id FROM users WHERE user_code = ?")
      .get(u.user_code)?.id;
    for (const c of u.credentials) {
      this.db
        .prepare("INSERT INTO credentials (user_id, kind, lookup, created_ms) VALUES (?, ?, ?, ?)")
        .run(id, c.kind, c.lookup, nowMs);
    }
    if (id !== undefined) this.setFleetLevels(id, u.doors, nowMs);
  }
}

/** On the admin's machine: the group's allowlist as it stands in the admin database. */
export function readGroupUsers(db: Db, group: string): FleetUser[] {
  const users = db
    .prepare<
      [string],
      {
        id: number;
        user_code: string;
        enabled: number;
        valid_from_ms: number | null;
        valid_until_ms: number | null;
      }
    >(
      `SELECT u.id, u.user_code, u.enabled, u.valid_from_ms, u.valid_until_ms FROM users u
       JOIN fleet_group_members m ON m.user_id = u.id WHERE m.group_name = ? ORDER BY u.user_code`,
    )
    .all(group);
  const creds = db.prepare<[number], { kind: "pin" | "badge"; lookup: string }>(
    "SELECT kind, lookup FROM credentials WHERE user_id = ? AND kind IN ('pin', 'badge') ORDER BY kind, lookup",
  );
  // With access levels in use, each person travels with the doors their levels name (level
  // schedules stay on the admin's machine, as schedules do).
  const levelsInUse =
    db.prepare<[], number>("SELECT EXISTS (SELECT 1 FROM access_levels)").pluck().get() === 1;
  const doorsOf = db
    .prepare<[number], string>(
      `SELECT DISTINCT d.door FROM user_access_levels ul JOIN access_level_doors d ON d.level_id = ul.level_id
       WHERE ul.user_id = ? ORDER BY d.door`,
    )
    .pluck();
  return users.map((u) => ({
    user_code: u.user_code,
    enabled: u.enabled === 1,
    valid_from_ms: u.valid_from_ms,
    valid_until_ms: u.valid_until_ms,
    credentials: creds.all(u.id),
    ...(levelsInUse ? { doors: doorsOf.all(u.id) } : {}),
  }));
}

/** The delta that turns `before` into `after` (both keyed by user code). */
export function diffUsers(
  before: FleetUser[],
  after: FleetUser[],
): { upsert: FleetUser[]; remove: string[] } {
  const old = new Map(before.map((u) => [u.user_code, JSON.stringify(u)]));
  const now = new Set(after.map((u) => u.user_code));
  return {
    upsert: after.filter((u) => old.get(u.user_code) !== JSON.stringify(u)),
    remove: before.filter((u) => !now.has(u.user_code)).map((u) => u.user_code),
  };
}
