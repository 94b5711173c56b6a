import type { Db } from "./open-database.js";

/**
 * Small pieces of controller state that must survive a restart (lockout back-off, versions).
 * A namespace scopes every key: a door's state lives under `door:<id>:` (see door-state.ts), so
 * one door's lockout or first-in date is never another's.
 */
export class KeyValueStore {
  constructor(
    private readonly db: Db,
    private readonly namespace = "",
  ) {}

  getJson<T>(key: string): T | undefined {
    const row = this.db
      .prepare<[string], { value: string }>("SELECT value FROM kv WHERE key = ?")
      .get(this.namespace + key);
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  setJson(key: string, value: unknown): void {
    this.db
      .prepare(
        "INSERT INTO kv (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
      )
      .run(this.namespace + key, JSON.stringify(value));
  }
}
