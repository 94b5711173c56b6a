import { join } from "node:path";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { ActorCodes } from "../../src/audit/actor-codes.js";
import { AdminCodeBook } from "../../src/audit/admin-code-book.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

const codes = new ActorCodes(Buffer.alloc(32, 7));

describe("AdminCodeBook: what rows store for an admin", () => {
  it("stores the admin code, names it on the device, and forgets it", () => {
    const db = openDatabase(join(tempDir(), "d.db"));
    const book = new AdminCodeBook(db, codes);
    const code = book.actor("web:ada");
    expect(code).toBe(codes.code("web:ada"));
    expect(code).toMatch(/^web:a-[0-9A-Z]{6}$/);
    expect(book.actor("web:ada")).toBe(code); // stable, one entry
    expect(db.prepare("SELECT COUNT(*) FROM admin_codes").pluck().get()).toBe(1);
    expect(book.namedDetail({ by: code, admin: book.actor("os:root"), slot: 3 })).toEqual({
      by: "web:ada",
      admin: "os:root",
      slot: 3,
    });
    // A code is never coded again (old rows are coded at export time, new rows already are).
    expect(codes.code(code)).toBe(code);
    expect(codes.detail({ by: code })).toEqual({ by: code });
    book.forget("web:ada");
    expect(book.named(code)).toBe(code);
    expect(book.named("os:root")).toBe("os:root");
    db.close();
  });

  it("channels name no one and are stored as they are", () => {
    const db = openDatabase(join(tempDir(), "d.db"));
    const book = new AdminCodeBook(db, codes);
    for (const channel of ["mqtt", "web", "home_assistant", "default"])
      expect(book.actor(channel)).toBe(channel);
    expect(db.prepare("SELECT COUNT(*) FROM admin_codes").pluck().get()).toBe(0);
    db.close();
  });

  it("a reader on a database from before admin codes (read-only, not migrated) shows codes as they are", () => {
    const path = join(tempDir(), "old.db");
    new Database(path).exec("CREATE TABLE audit_events (seq INTEGER PRIMARY KEY)").close();
    const db = new Database(path, { readonly: true });
    const reader = new AdminCodeBook(db, null);
    const code = codes.code("web:ada");
    expect(reader.namedDetail({ by: code })).toEqual({ by: code });
    expect(() => reader.actor("web:ada")).toThrow(/reader/);
    db.close();
  });
});
