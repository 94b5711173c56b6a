import type { Migration } from "../migrations.js";
import type { Db } from "../open-database.js";

/** The audit log's kind constraint as migration 1 wrote it, and its equivalent without an IN list. */
export const KIND_CHECK_IN_LIST = "CHECK (kind IN ('access', 'door', 'system'))";
export const KIND_CHECK_COMPARISONS = "CHECK (kind = 'access' OR kind = 'door' OR kind = 'system')";

/**
 * The same constraint on audit_events.kind, written so that checking it is three comparisons.
 * SQLite evaluates a CHECK with an IN list of three or more values by building a temporary
 * B-tree of the values on every INSERT: measured, 10–13 µs of each audit row's commit (issue 15;
 * the two-value IN on `outcome` compiles to two comparisons and is left alone). SQLite cannot
 * alter a CHECK, and rebuilding a 10,000,000-row log to change one would take minutes and twice
 * its disk. The constraint is equivalent and every existing row satisfies it, which is the case
 * SQLite documents for editing the table's schema text in place (sqlite.org/lang_altertable.html,
 * "making other kinds of table schema changes"): one UPDATE of sqlite_schema, the schema cookie
 * bumped so every connection re-reads it, inside the migration's transaction. better-sqlite3's
 * defensive mode forbids that write, so it is lifted for this statement only.
 */
export const auditKindCheckMigration: Migration = {
  version: 11,
  name: "audit kind check without an IN list",
  run: rewriteKindCheck,
};

function rewriteKindCheck(db: Db): void {
  const current = db
    .prepare<[], string>("SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'audit_events'")
    .pluck()
    .get();
  if (current === undefined || !current.includes(KIND_CHECK_IN_LIST)) return;
  const version = db.pragma("schema_version", { simple: true }) as number;
  db.unsafeMode(true);
  try {
    db.pragma("writable_schema = ON");
    db.prepare("UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = 'audit_events'").run(
      current.replace(KIND_CHECK_IN_LIST, KIND_CHECK_COMPARISONS),
    );
    db.pragma(`schema_version = ${version + 1}`);
  } finally {
    db.pragma("writable_schema = OFF");
    db.unsafeMode(false);
  }
}
