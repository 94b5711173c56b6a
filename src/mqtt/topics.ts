import type { Settings } from "../config/schema.js";

/** Every topic the bridge uses, derived once from settings. */
export interface MqttTopics {
  prefix: string;
  event: string;
  state: string;
  availability: string;
  command: string;
  groupCommand: string | null;
  haLockSet: string;
  haEvent: string;
  haStatus: string;
  allowlistSnapshot: string | null;
  allowlistDelta: string | null;
}

/** Fleet-wide topics for a group, shared by the controllers and `doorward fleet publish`. */
export function fleetTopics(group: string): { snapshot: string; delta: string; command: string } {
  return {
    snapshot: `doorward/fleet/${group}/allowlist`,
    delta: `doorward/fleet/${group}/allowlist/delta`,
    command: `doorward/fleet/${group}/command`,
  };
}

export function mqttTopics(settings: Settings): MqttTopics {
  const prefix = settings.mqtt.prefix ?? `doorward/${settings.door_id}`;
  const group = settings.mqtt.group;
  const fleet = group ? fleetTopics(group) : null;
  return {
    prefix,
    event: `${prefix}/event`,
    state: `${prefix}/state`,
    availability: `${prefix}/availability`,
    command: `${prefix}/command`,
    groupCommand: fleet?.command ?? null,
    haLockSet: `${prefix}/ha/lock/set`,
    haEvent: `${prefix}/ha/event`,
    haStatus: `${settings.mqtt.home_assistant.discovery_prefix}/status`,
    allowlistSnapshot: fleet?.snapshot ?? null,
    allowlistDelta: fleet?.delta ?? null,
  };
}
