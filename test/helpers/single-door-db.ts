import { join } from "node:path";
import { expect } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "./harness.js";

/** A database exactly as the single-door version left it: its migrations (1-7) and its kv keys. */
export function singleDoorDatabase(): string {
  const path = join(tempDir(), "doorward.db");
  const db = openDatabase(
    path,
    migrations.filter((m) => m.version <= 7),
  );
  const put = db.prepare("INSERT INTO kv (key, value) VALUES (?, ?)");
  put.run("door:mode", JSON.stringify({ mode: "lockdown", since_ms: 5, by: "os:root" }));
  put.run("lockout:keypad", JSON.stringify({ consecutiveFailures: 3, lockedUntilMs: null, lockouts: 0 }));
  put.run("policy:first_in_date", JSON.stringify("2026-12-01"));
  put.run("lockout:ha_code", JSON.stringify({ consecutiveFailures: 1, lockedUntilMs: null, lockouts: 0 }));
  put.run("mqtt:published_seq", "7");
  expect(db.pragma("user_version", { simple: true })).toBe(7);
  db.close();
  return path;
}
