import { KeyValueStore } from "./key-value-store.js";
import type { Db } from "./open-database.js";

/** Every key of one door's persisted state starts with this (mode, lockouts, first-in date). */
export function doorNamespace(doorId: string): string {
  return `door:${doorId}:`;
}

/** The kv key of a door's mode; migration 8's triggers match it by the pattern `door:*:mode`. */
export function doorModeKey(doorId: string): string {
  return `${doorNamespace(doorId)}mode`;
}

export function doorKv(db: Db, doorId: string): KeyValueStore {
  return new KeyValueStore(db, doorNamespace(doorId));
}

/**
 * Keys a single-door controller kept at the top level before doors had namespaces: the mode
 * (`door:mode`), every credential lockout (`lockout:*`, but not the MQTT Home Assistant code's,
 * which is the controller's) and the unlock schedule's first-in date.
 */
const SINGLE_DOOR_KEYS_SQL = `key = 'door:mode' OR key = 'policy:first_in_date'
  OR (key GLOB 'lockout:*' AND key <> 'lockout:ha_code')`;

/**
 * Upgrades a database written by a single-door controller in place: its door state moves under
 * `door:<doorId>:` (the configured door, or the first of a `doors:` list). Runs at every open by
 * the service and the CLI, in one transaction, and does nothing once moved; a key already present
 * under the door (written by this version) wins over a stale top-level one, which is dropped.
 * Returns how many keys moved.
 */
export function moveSingleDoorState(db: Db, doorId: string): number {
  const ns = doorNamespace(doorId);
  return db
    .transaction(() => {
      const legacy = db
        .prepare<[], { key: string }>(`SELECT key FROM kv WHERE ${SINGLE_DOOR_KEYS_SQL}`)
        .all()
        .map((r) => r.key);
      let moved = 0;
      for (const key of legacy) {
        const target = ns + (key === "door:mode" ? "mode" : key);
        const taken = db.prepare("SELECT 1 FROM kv WHERE key = ?").get(target);
        if (taken) db.prepare("DELETE FROM kv WHERE key = ?").run(key);
        else moved += db.prepare("UPDATE kv SET key = ? WHERE key = ?").run(target, key).changes;
      }
      return moved;
    })
    .immediate();
}
