import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

describe("openDatabase", () => {
  it("opens in WAL mode with synchronous=FULL every time", () => {
    const path = join(tempDir(), "d.db");
    for (let i = 0; i < 2; i++) {
      const db = openDatabase(path);
      expect(db.pragma("journal_mode", { simple: true })).toBe("wal");
      expect(db.pragma("synchronous", { simple: true })).toBe(2);
      expect(db.pragma("foreign_keys", { simple: true })).toBe(1);
      db.close();
    }
  });

  it("applies migrations once and refuses a database from a newer doorward", () => {
    const path = join(tempDir(), "d.db");
    const migrations = [{ version: 1, name: "t", sql: "CREATE TABLE t (x)" }];
    openDatabase(path, migrations).close();
    const db = openDatabase(path, migrations); // would fail on CREATE TABLE if re-applied
    expect(db.pragma("user_version", { simple: true })).toBe(1);
    db.pragma("user_version = 99");
    db.close();
    expect(() => openDatabase(path, migrations)).toThrow(/newer than this doorward/);
  });

  it("keeps a 2 MB page cache, not better-sqlite3's 16 MB (resident memory, issue 15)", () => {
    const db = openDatabase(join(tempDir(), "d.db"));
    expect(db.pragma("cache_size", { simple: true })).toBe(-2000);
    db.close();
  });
});
