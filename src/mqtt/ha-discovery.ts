import type { MqttTopics } from "./topics.js";

export const HA_EVENT_TYPES = ["access_granted", "access_denied", "door_forced", "door_held_open"] as const;

/** Home Assistant's pattern for the node id and object id in a discovery topic. */
export const HA_DISCOVERY_ID = /^[a-zA-Z0-9_-]+$/;

/**
 * The HA node id of a door: `doorward_<door_id>`, the id kept as it is (door ids are
 * [a-z0-9_-], all allowed by HA), so two door ids never share a node: `records_room` and
 * `records-room` once both became `doorward_records_room` and replaced each other's entities.
 */
export function haNodeId(doorId: string): string {
  const node = `doorward_${doorId}`;
  if (!HA_DISCOVERY_ID.test(node)) throw new Error(`door id '${doorId}' cannot be a Home Assistant node id`);
  return node;
}

export interface DiscoveryMessage {
  topic: string;
  payload: Record<string, unknown>;
}

/**
 * Home Assistant MQTT discovery configs (published retained). All entities read the one
 * retained `state` topic through templates, and share the availability topic, so HA shows the
 * door unavailable when the controller's last will fires.
 */
export function haDiscoveryMessages(
  doorId: string,
  topics: MqttTopics,
  opts: {
    discoveryPrefix: string;
    remoteControl: boolean;
    codeRequired: boolean;
    version: string;
    /** The door tracks who is inside (readers with a direction): an occupancy sensor. */
    occupancy?: boolean;
  },
): DiscoveryMessage[] {
  const node = haNodeId(doorId);
  const device = {
    identifiers: [node],
    name: `Door ${doorId}`,
    manufacturer: "doorward",
    model: "doorward controller",
    sw_version: opts.version,
  };
  const common = {
    availability_topic: topics.availability,
    payload_available: "online",
    payload_not_available: "offline",
    device,
  };
  const lock: Record<string, unknown> = {
    ...common,
    name: "Lock",
    unique_id: `${node}_lock`,
    state_topic: topics.state,
    value_template: "{{ value_json.lock | upper }}",
    state_locked: "LOCKED",
    state_unlocked: "UNLOCKED",
    state_jammed: "JAMMED",
  };
  // HA's MQTT lock is read-write: command_topic is required even when remote control is off,
  // or HA rejects the whole entity. The door then refuses each command (remote_control_disabled).
  Object.assign(lock, {
    command_topic: topics.haLockSet,
    payload_lock: "LOCK",
    payload_unlock: "UNLOCK",
    payload_open: "OPEN",
    // The code travels with the command; the controller checks it against a keyed hash.
    command_template: '{"action": "{{ value }}", "code": "{{ code }}"}',
    ...(opts.codeRequired ? { code_format: "^\\d{4,12}$" } : {}),
  });
  const occupancy: DiscoveryMessage[] = opts.occupancy
    ? [
        {
          topic: `${opts.discoveryPrefix}/sensor/${node}/occupancy/config`,
          payload: {
            ...common,
            name: "Occupancy",
            unique_id: `${node}_occupancy`,
            state_topic: topics.state,
            value_template: "{{ value_json.occupancy }}",
            state_class: "measurement",
            unit_of_measurement: "people",
            icon: "mdi:account-group",
          },
        },
      ]
    : [];
  return [
    { topic: `${opts.discoveryPrefix}/lock/${node}/lock/config`, payload: lock },
    {
      topic: `${opts.discoveryPrefix}/binary_sensor/${node}/door/config`,
      payload: {
        ...common,
        name: "Door",
        unique_id: `${node}_door`,
        device_class: "door",
        state_topic: topics.state,
        value_template: "{{ 'ON' if value_json.door == 'open' else 'OFF' }}",
      },
    },
    {
      topic: `${opts.discoveryPrefix}/event/${node}/access/config`,
      payload: {
        ...common,
        name: "Access",
        unique_id: `${node}_access`,
        state_topic: topics.haEvent,
        event_types: [...HA_EVENT_TYPES],
      },
    },
    {
      topic: `${opts.discoveryPrefix}/sensor/${node}/fault/config`,
      payload: {
        ...common,
        name: "Fault",
        unique_id: `${node}_fault`,
        entity_category: "diagnostic",
        state_topic: topics.state,
        value_template: "{{ value_json.faults | join(', ') if value_json.faults else 'none' }}",
      },
    },
    ...occupancy,
  ];
}
