import { type KeyObject, randomBytes } from "node:crypto";
import type { MqttClient } from "mqtt";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { Db } from "../store/open-database.js";
import {
  type AllowlistDelta,
  type AllowlistSnapshot,
  diffUsers,
  type FleetUser,
  readGroupUsers,
} from "./allowlist-sync.js";
import { signMessage } from "./signed-envelope.js";
import { fleetTopics } from "./topics.js";

interface Published {
  version: number;
  users: FleetUser[];
}

export interface FleetPublishResult {
  version: number;
  users: number;
  delta: { upsert: number; remove: number } | null;
}

/**
 * `doorward fleet publish`: signs the group's allowlist as the next version and publishes a
 * delta from the last published version (for doors online now) and the full snapshot,
 * retained (for doors that were offline and catch up on reconnect). The version is recorded
 * as published only after the broker acknowledged both.
 */
export async function publishFleetAllowlist(opts: {
  db: Db;
  kv: KeyValueStore;
  client: MqttClient;
  group: string;
  /** `mqtt.fleet_prefix` of the admin's config: the same as on the doors. */
  fleetPrefix: string;
  privateKey: KeyObject;
  nowMs: number;
}): Promise<FleetPublishResult> {
  const { kv, client, group, privateKey, nowMs } = opts;
  const key = `fleet:${group}:published`;
  const previous = kv.getJson<Published>(key);
  const users = readGroupUsers(opts.db, group);
  const version = (previous?.version ?? 0) + 1;
  const topics = fleetTopics(opts.fleetPrefix, group);
  let delta: FleetPublishResult["delta"] = null;
  if (previous) {
    const d = diffUsers(previous.users, users);
    const body: AllowlistDelta = {
      type: "allowlist_delta",
      group,
      base_version: previous.version,
      version,
      ts_ms: nowMs,
      upsert: d.upsert,
      remove: d.remove,
    };
    await client.publishAsync(topics.delta, signMessage(body, privateKey), { qos: 1, retain: false });
    delta = { upsert: d.upsert.length, remove: d.remove.length };
  }
  const snapshot: AllowlistSnapshot = { type: "allowlist_snapshot", group, version, ts_ms: nowMs, users };
  await client.publishAsync(topics.snapshot, signMessage(snapshot, privateKey), { qos: 1, retain: true });
  kv.setJson(key, { version, users } satisfies Published);
  return { version, users: users.length, delta };
}

/** A signed remote command, ready to publish on `<prefix>/command` or the group's command topic. */
export function signedCommand(
  privateKey: KeyObject,
  c: {
    action: "unlock" | "lock" | "lockdown";
    value?: "on" | "off";
    target: { door: string } | { group: string };
    tsMs: number;
  },
): string {
  return signMessage(
    {
      type: "command",
      action: c.action,
      ...(c.value ? { value: c.value } : {}),
      target: c.target,
      ts_ms: c.tsMs,
      nonce: randomBytes(12).toString("base64url"),
    },
    privateKey,
  );
}

/**
 * Publishes the last published snapshot of `group` again (same version, fresh signature),
 * retained: the answer to a door's resync request, and how a broker that lost its retained
 * messages gets the snapshot back. Null when nothing was ever published for the group.
 */
export async function republishFleetSnapshot(opts: {
  kv: KeyValueStore;
  client: MqttClient;
  group: string;
  fleetPrefix: string;
  privateKey: KeyObject;
  nowMs: number;
}): Promise<number | null> {
  const published = opts.kv.getJson<Published>(`fleet:${opts.group}:published`);
  if (!published) return null;
  const snapshot: AllowlistSnapshot = {
    type: "allowlist_snapshot",
    group: opts.group,
    version: published.version,
    ts_ms: opts.nowMs,
    users: published.users,
  };
  await opts.client.publishAsync(
    fleetTopics(opts.fleetPrefix, opts.group).snapshot,
    signMessage(snapshot, opts.privateKey),
    { qos: 1, retain: true },
  );
  return published.version;
}
