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

  // Values JSON.stringify writes differently, or that do not survive the trip into JavaScript:
  // no SQL JSON, so the worker hashes these rows as the one-thread walk does.
  const NOT_PLAIN: Array<[string, string, string]> = [
    ["a REAL timestamp", "ts_ms", "1700000000000.5"],
    ["a REAL that SQLite would write as 100.0", "ts_ms", "CAST(100 AS REAL) + 0.25"],
    ["an integer beyond 2^53", "ts_ms", "9007199254740993"],
    ["the smallest integer", "ts_ms", "-9223372036854775808"],
    ["a BLOB door", "door", "x'00ff'"],
    ["a BLOB detail", "detail", "x'7b7d'"],
    ["a BLOB reason", "reason", "CAST(5 AS BLOB)"],
  ];
  for (const [label, column, expr] of NOT_PLAIN) {
    it(`${label}: no SQL JSON`, () => {
      expect(rowWith(column, expr).sql).toBeNull();
    });
  }
});
