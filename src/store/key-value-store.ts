import type { Statement } from "better-sqlite3";
import type { Db } from "./open-database.js";

/**
 * Small pieces of controller state that must survive a restart (lockout back-off, versions).
 * A namespace scopes every key: a door's state lives under `door:<id>:` (see door-state.ts), so
 * one door's lockout or first-in date is never another's.
 */
export class KeyValueStore {
  // Prepared on first use, then kept: a denial writes its lockout count here inside the attempt's
  // transaction, and compiling the statement each time cost more than the write.
  private select: Statement<[string], { value: string }> | undefined;
  private upsert: Statement<[string, string]> | undefined;

  constructor(
    private readonly db: Db,
    private readonly namespace = "",
  ) {}

  getJson<T>(key: string): T | undefined {
    this.select ??= this.db.prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?");
    const row = this.select.get(this.namespace + key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setJson(key: string, value: unknown): void {
    this.upsert ??= this.db.prepare<[string, string]>(
      "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
    );
    this.upsert.run(this.namespace + key, JSON.stringify(value));
  }
}
