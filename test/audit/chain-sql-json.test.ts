import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { SQL_ROW_JSON } from "../../src/audit/chain-chunk-workers.js";

// The worker threads of `log verify` hash SQLite's JSON of a row instead of JSON.stringify's
// (issue 15). That may only ever accept what JSON.stringify accepts: wherever SQLite gives a JSON
// text, it must parse back to the very values better-sqlite3 reads (then equal texts mean equal
// rows), and on values where that could fail it must give none (the row is hashed the slow way).
const FIELDS = ["seq", "ts_ms", "door", "kind", "credential", "outcome", "reason", "user_code", "detail"];

function table() {
  const db = new Database(":memory:");
  db.exec(`CREATE TABLE audit_events (seq INTEGER PRIMARY KEY, ts_ms INTEGER NOT NULL, door TEXT NOT NULL,
    kind TEXT NOT NULL, credential TEXT, outcome TEXT, reason TEXT NOT NULL, user_code TEXT, detail TEXT)`);
  return db;
}

/** One row with `column` set to the SQL expression `value`; SQLite's JSON and the fields as read. */
function rowWith(column: string, value: string) {
  const db = table();
  const values = FIELDS.map((f) =>
    f === column ? value : f === "seq" ? "1" : f === "ts_ms" ? "1700000000000" : "'x'",
  );
  db.exec(`INSERT INTO audit_events (${FIELDS.join(", ")}) VALUES (${values.join(", ")})`);
  const sql = db.prepare(`SELECT ${SQL_ROW_JSON} FROM audit_events`).pluck().get() as string | null;
  const fields = db
    .prepare(`SELECT ${FIELDS.join(", ")} FROM audit_events`)
    .raw()
    .get() as unknown[];
  db.close();
  return { sql, fields };
}

const TEXTS: Record<string, string> = {
  "NUL inside": "'a' || char(0) || 'b'",
  "control characters": "char(1, 2, 8, 9, 10, 12, 13, 27, 31, 127)",
  "quote and backslash": `'"\\'`,
  "line and paragraph separators": "char(8232, 8233)",
  "a character beyond the BMP": "char(128512)",
  "invalid UTF-8 then a backslash": "CAST(x'c35c' AS TEXT)",
  "invalid UTF-8 then a quote": "CAST(x'e222' AS TEXT)",
  "an encoded surrogate": "CAST(x'eda080' AS TEXT)",
  "an overlong encoding": "CAST(x'c0af' AS TEXT)",
  "a truncated 4-byte character": "CAST(x'f09f98' AS TEXT)",
  "JSON-looking text": `'{"a":[1,2]}'`,
  "non-ASCII": "'é ✓ 東'",
};

describe("SQLite's JSON of a row in log verify's worker threads", () => {
  for (const [label, expr] of Object.entries(TEXTS)) {
    for (const column of ["door", "detail", "user_code"]) {
      it(`${label} in ${column}: the same JSON text as JSON.stringify`, () => {
        const { sql, fields } = rowWith(column, expr);
        expect(sql).not.toBeNull();
        expect(JSON.stringify(JSON.parse(sql as string))).toBe(JSON.stringify(fields));
        expect(sql).toBe(JSON.stringify(fields));
      });
    }
  }

  it("NULLs in the nullable columns are JSON null", () => {
    const { sql, fields } = rowWith("credential", "NULL");
    expect(sql).toBe(JSON.stringify(fields));
  });

  // Integers JavaScript cannot hold exactly: a different text, but the same values once parsed
  // (so such a row matches only through the one-thread way, never wrongly through SQLite's JSON).
  for (const [label, expr] of [
    ["an integer beyond 2^53", "9007199254740993"],
    ["the smallest integer", "-9223372036854775808"],
  ]) {
    it(`${label}: parses back to the value read`, () => {
      const { sql, fields } = rowWith("ts_ms", expr as string);
      expect(JSON.stringify(JSON.parse(sql as string))).toBe(JSON.stringify(fields));
    });
  }

  it("a REAL timestamp: no SQL JSON (JSON.stringify writes floats its own way)", () => {
    expect(rowWith("ts_ms", "1700000000000.5").sql).toBeNull();
    expect(rowWith("ts_ms", "CAST(100 AS REAL) + 0.25").sql).toBeNull();
  });

  // json_array refuses BLOBs: the statement fails and the worker checks that batch the slow way.
  for (const column of ["door", "detail", "reason", "ts_ms"]) {
    it(`a BLOB in ${column}: SQLite's JSON fails`, () => {
      expect(() => rowWith(column, "x'00ff'")).toThrow(/BLOB/);
    });
  }
});
