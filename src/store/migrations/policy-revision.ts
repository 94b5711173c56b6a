import type { Migration } from "../migrations.js";

/** The tables a PolicySnapshot is built from; any row change in them moves the revision. */
const SNAPSHOT_TABLES = ["schedules", "schedule_windows", "holidays"] as const;
const EVENTS = ["INSERT", "UPDATE", "DELETE"] as const;

/** Must match MODE_KEY in policy-store.ts (a store constant cannot be imported into SQL text). */
const MODE_KEY = "door:mode";

const bump = "UPDATE policy_revision SET n = n + 1 WHERE id = 1;";

const revisionTriggers = [
  ...SNAPSHOT_TABLES.flatMap((table) =>
    EVENTS.map(
      (event) =>
        `CREATE TRIGGER ${table}_${event.toLowerCase()}_revision AFTER ${event} ON ${table} BEGIN ${bump} END;`,
    ),
  ),
  `CREATE TRIGGER kv_mode_insert_revision AFTER INSERT ON kv WHEN new.key = '${MODE_KEY}' BEGIN ${bump} END;`,
  `CREATE TRIGGER kv_mode_update_revision AFTER UPDATE ON kv WHEN new.key = '${MODE_KEY}' OR old.key = '${MODE_KEY}' BEGIN ${bump} END;`,
  `CREATE TRIGGER kv_mode_delete_revision AFTER DELETE ON kv WHEN old.key = '${MODE_KEY}' BEGIN ${bump} END;`,
].join("\n    ");

const userScheduleIds = (userId: string) =>
  `UPDATE users SET schedule_ids = (SELECT group_concat(schedule_id) FROM user_schedules s WHERE s.user_id = ${userId}) WHERE id = ${userId};`;

/**
 * Migration 6: make the policy decision cost (almost) what the plain one does, without any
 * cache that could go stale across processes. Both are kept by triggers, so every writer —
 * this service, the CLI in another process, a hand-run sqlite3 shell — keeps them right in
 * the same transaction as its change:
 * - policy_revision: one row counting every change to schedules, their windows, holidays and
 *   the door mode. The service reads it inside the user lookup statement (a scalar subquery on
 *   a one-row table, practically free) instead of a separate `PRAGMA data_version` statement,
 *   and reloads its compiled snapshot only when it moved.
 * - users.schedule_ids: the user's schedule ids ("3,17"), so the lookup reads a column instead
 *   of running a correlated group_concat subquery over user_schedules on every attempt.
 * A later migration that rebuilds one of these tables drops its triggers: it must create them
 * again (as migration 4 does for the fingerprint trigger).
 */
export const policyRevisionMigration: Migration = {
  version: 6,
  name: "policy revision counter and per-user schedule ids, kept by triggers",
  sql: `
    CREATE TABLE policy_revision (id INTEGER PRIMARY KEY CHECK (id = 1), n INTEGER NOT NULL);
    INSERT INTO policy_revision (id, n) VALUES (1, 0);
    ${revisionTriggers}

    ALTER TABLE users ADD COLUMN schedule_ids TEXT;
    UPDATE users SET schedule_ids = (SELECT group_concat(schedule_id) FROM user_schedules s WHERE s.user_id = users.id);
    CREATE TRIGGER user_schedules_insert_ids AFTER INSERT ON user_schedules BEGIN ${userScheduleIds("new.user_id")} END;
    CREATE TRIGGER user_schedules_delete_ids AFTER DELETE ON user_schedules BEGIN ${userScheduleIds("old.user_id")} END;
    CREATE TRIGGER user_schedules_update_ids AFTER UPDATE ON user_schedules BEGIN
      ${userScheduleIds("old.user_id")}
      ${userScheduleIds("new.user_id")}
    END;
  `,
};
