import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { KIND_CHECK_COMPARISONS, KIND_CHECK_IN_LIST } from "../../src/store/migrations/audit-kind-check.js";
import { migrations } from "../../src/store/migrations.js";
import { type Db, openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

const INSERT = `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
  VALUES (?, 1, 'front', ?, NULL, NULL, 'r', NULL, NULL, 'p', 'h')`;

const tableSql = (db: Db) =>
  db.prepare<[], string>("SELECT sql FROM sqlite_schema WHERE name = 'audit_events'").pluck().get();

/** The opcodes SQLite compiled the audit row's INSERT to. */
const insertProgram = (db: Db) =>
  db
    .prepare<[number, string], { opcode: string }>(`EXPLAIN ${INSERT}`)
    .all(1, "access")
    .map((r) => r.opcode);

/** A log as doorward wrote it before migration 11, with two chained rows. */
function logBeforeMigration11(path: string): void {
  const db = openDatabase(
    path,
    migrations.filter((m) => m.version < 11),
  );
  expect(tableSql(db)).toContain(KIND_CHECK_IN_LIST);
  const log = new AuditLog(db, "front");
  log.append(
    { kind: "access", reason: "granted", credential: "pin", outcome: "granted", userCode: "u-1" },
    1,
  );
  log.append({ kind: "door", reason: "opened" }, 2);
  db.close();
}

describe("migration 11: the audit kind check without an IN list (issue 15)", () => {
  it("checks an audit row's kind with comparisons, not a temporary B-tree built on every INSERT", () => {
    const path = join(tempDir(), "d.db");
    logBeforeMigration11(path);
    const before = new Database(path);
    // What the old constraint costs: an ephemeral table filled with the three kinds, per row.
    expect(insertProgram(before)).toContain("OpenEphemeral");
    before.close();

    const db = openDatabase(path);
    expect(tableSql(db)).toContain(KIND_CHECK_COMPARISONS);
    expect(tableSql(db)).not.toContain(KIND_CHECK_IN_LIST);
    expect(insertProgram(db)).not.toContain("OpenEphemeral");
    db.close();
  });

  it("keeps the constraint, the rows and their chain, and a sound database file", () => {
    const path = join(tempDir(), "d.db");
    logBeforeMigration11(path);
    const db = openDatabase(path);
    expect(db.pragma("integrity_check", { simple: true })).toBe("ok");
    const log = new AuditLog(db, "front");
    expect(log.verify().ok).toBe(true);
    expect(log.tail(5).map((r) => r.kind)).toEqual(["access", "door"]);
    expect(() => db.prepare(INSERT).run(100, "bogus")).toThrow(/CHECK constraint failed/);
    for (const [i, kind] of ["access", "door", "system"].entries()) db.prepare(INSERT).run(200 + i, kind);
    db.close();
    // Another connection (the CLI, after the service migrated) reads the same schema.
    const other = new Database(path);
    expect(() => other.prepare(INSERT).run(300, "bogus")).toThrow(/CHECK constraint failed/);
    other.close();
  });

  it("leaves defensive mode on: a later write to the schema table is refused", () => {
    const db = openDatabase(join(tempDir(), "d.db"));
    expect(tableSql(db)).toContain(KIND_CHECK_COMPARISONS);
    expect(() => {
      db.pragma("writable_schema = ON");
      db.prepare("UPDATE sqlite_schema SET sql = sql WHERE name = 'audit_events'").run();
    }).toThrow(/may not be modified/);
    db.close();
  });
});
