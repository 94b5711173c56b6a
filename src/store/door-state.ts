import { KeyValueStore } from "./key-value-store.js";
import type { Db } from "./open-database.js";
import { MODE_KEY } from "./policy-store.js";

/** Every key of one door's persisted state starts with this (mode, lockouts, first-in date). */
export function doorNamespace(doorId: string): string {
  return `door:${doorId}:`;
}

/**
 * The kv key of a door's mode; migration 8's triggers match it by the pattern `door:*:mode`.
 * `listed`: the config has a `doors:` list. A single-door file keeps the single-door version's
 * key `door:mode`: every process that sets the mode of that door (an older CLI during an
 * upgrade, a script, an admin tool) keeps reaching it.
 */
export function doorModeKey(doorId: string, listed: boolean): string {
  return listed ? `${doorNamespace(doorId)}mode` : MODE_KEY;
}

export function doorKv(db: Db, doorId: string): KeyValueStore {
  return new KeyValueStore(db, doorNamespace(doorId));
}

/**
 * Keys a single-door controller kept at the top level before doors had namespaces: every
 * credential lockout (`lockout:*`, but not the MQTT Home Assistant code's, which is the
 * controller's), the unlock schedule's first-in date and, once the config lists its doors, the
 * mode (`door:mode`, see doorModeKey).
 */
const SINGLE_DOOR_KEYS_SQL = `key = 'policy:first_in_date' OR (key GLOB 'lockout:*' AND key <> 'lockout:ha_code')`;

/**
 * Upgrades a database written by a single-door controller in place: its door state moves under
 * `door:<doorId>:` (the configured door, or the first of a `doors:` list). Runs at every open by
 * the service and the CLI, in one transaction, and does nothing once moved; a key already present
 * under the door (written by this version) wins over a stale top-level one, which is dropped.
 * Returns how many keys moved.
 */
export function moveSingleDoorState(db: Db, doorId: string, listed: boolean): number {
  const ns = doorNamespace(doorId);
  const which = listed ? `key = '${MODE_KEY}' OR ${SINGLE_DOOR_KEYS_SQL}` : SINGLE_DOOR_KEYS_SQL;
  return db
    .transaction(() => {
      const legacy = db
        .prepare<[], { key: string }>(`SELECT key FROM kv WHERE ${which}`)
        .all()
        .map((r) => r.key);
      let moved = 0;
      for (const key of legacy) {
        const target = key === MODE_KEY ? doorModeKey(doorId, true) : ns + key;
        const taken = db.prepare("SELECT 1 FROM kv WHERE key = ?").get(target);
        if (taken) db.prepare("DELETE FROM kv WHERE key = ?").run(key);
        else moved += db.prepare("UPDATE kv SET key = ? WHERE key = ?").run(target, key).changes;
      }
      return moved;
    })
    .immediate();
}
