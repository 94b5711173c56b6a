import type { Settings } from "../config/schema.js";

/** Every topic the bridge uses, derived once from settings. */
export interface MqttTopics {
  prefix: string;
  event: string;
  /** The signed chain head, retained (src/mqtt/head-publisher.ts). */
  head: string;
  state: string;
  availability: string;
  command: string;
  groupCommand: string | null;
  haLockSet: string;
  haEvent: string;
  haStatus: string;
  allowlistSnapshot: string | null;
  allowlistDelta: string | null;
  allowlistResync: string | null;
}

export interface FleetTopics {
  snapshot: string;
  delta: string;
  command: string;
  /** Doors that missed deltas ask here; `doorward fleet serve` (or any admin tool) answers with the snapshot. */
  resync: string;
}

/** Fleet-wide topics for a group under `mqtt.fleet_prefix`, shared by the controllers and the fleet CLI. */
export function fleetTopics(fleetPrefix: string, group: string): FleetTopics {
  const base = `${fleetPrefix}/${group}`;
  return {
    snapshot: `${base}/allowlist`,
    delta: `${base}/allowlist/delta`,
    command: `${base}/command`,
    resync: `${base}/allowlist/resync`,
  };
}

/** A door's own prefix: `mqtt.prefix`, else `doorward/<door_id>`. */
export function doorPrefix(doorId: string, prefix: string | null): string {
  return prefix ?? `doorward/${doorId}`;
}

/**
 * Every door's topics, in config order. A single-door file keeps today's topics; with a `doors:`
 * list each door's P is `<mqtt.prefix or "doorward">/<door id>`. The first door's P carries what
 * belongs to the controller: the event stream (one hash chain for every door), the chain head and
 * the availability (the connection's last will).
 */
export function doorTopicsOf(settings: Settings): Map<string, MqttTopics> {
  if (settings.doors === null) return new Map([[settings.door_id, mqttTopics(settings)]]);
  const base = settings.mqtt.prefix ?? "doorward";
  return new Map(settings.doors.map((d) => [d.id, mqttTopics(settings, `${base}/${d.id}`)]));
}

export function mqttTopics(settings: Settings, doorTopicPrefix?: string): MqttTopics {
  const prefix = doorTopicPrefix ?? doorPrefix(settings.door_id, settings.mqtt.prefix);
  const group = settings.mqtt.group;
  const fleet = group ? fleetTopics(settings.mqtt.fleet_prefix, group) : null;
  return {
    prefix,
    event: `${prefix}/event`,
    head: `${prefix}/head`,
    state: `${prefix}/state`,
    availability: `${prefix}/availability`,
    command: `${prefix}/command`,
    groupCommand: fleet?.command ?? null,
    haLockSet: `${prefix}/ha/lock/set`,
    haEvent: `${prefix}/ha/event`,
    haStatus: `${settings.mqtt.home_assistant.discovery_prefix}/status`,
    allowlistSnapshot: fleet?.snapshot ?? null,
    allowlistDelta: fleet?.delta ?? null,
    allowlistResync: fleet?.resync ?? null,
  };
}
