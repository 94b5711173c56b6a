import type { Migration } from "../migrations.js";

/**
 * Migration 9: access levels. A level is a named set of door ids with an optional schedule;
 * people hold levels. A site with no level at all needs none (every authorised person may use
 * every door); once one exists, a person needs a level naming the door to pass it.
 *
 * Door ids are the configured ids (text, not a foreign key: doors live in the config file).
 * RESTRICT on the schedule and on held levels: removing either would silently change who may
 * pass, so the admin commands refuse it with a clear message first. Two partial indexes on the
 * audit log serve the occupancy fold.
 */
export const accessLevelsMigration: Migration = {
  version: 9,
  name: "access levels: doors per level, an optional schedule, levels per person; passage indexes",
  sql: `
    CREATE TABLE access_levels (
      id INTEGER PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      schedule_id INTEGER REFERENCES schedules(id) ON DELETE RESTRICT,
      created_ms INTEGER NOT NULL
    );
    CREATE TABLE access_level_doors (
      level_id INTEGER NOT NULL REFERENCES access_levels(id) ON DELETE CASCADE,
      door TEXT NOT NULL,
      PRIMARY KEY (level_id, door)
    ) WITHOUT ROWID;
    CREATE TABLE user_access_levels (
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      level_id INTEGER NOT NULL REFERENCES access_levels(id) ON DELETE RESTRICT,
      PRIMARY KEY (user_id, level_id)
    ) WITHOUT ROWID;
    CREATE INDEX user_access_levels_level ON user_access_levels(level_id);
    -- Occupancy is folded from these rows alone (src/site/occupancy-log.ts): granted passages at a
    -- reader with a direction, and forgiveness. Partial indexes keep that read to those rows, so
    -- a restart does not scan a year of log. The queries repeat these WHERE terms exactly.
    CREATE INDEX audit_events_passages ON audit_events(seq)
      WHERE kind = 'access' AND outcome = 'granted' AND json_extract(detail, '$.direction') IS NOT NULL;
    CREATE INDEX audit_events_forgiven ON audit_events(seq) WHERE reason = 'passback_forgiven';
  `,
};
