import type { Db } from "./open-database.js";

/** Small pieces of controller state that must survive a restart (lockout back-off, versions). */
export class KeyValueStore {
  constructor(private readonly db: Db) {}

  getJson<T>(key: string): T | undefined {
    const row = this.db.prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?").get(key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setJson(key: string, value: unknown): void {
    this.db
      .prepare(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(key, JSON.stringify(value));
  }
}
