import { afterEach, describe, expect, it } from "vitest";
import { parseSettings } from "../../src/config/load-settings.js";
import { haDiscoveryMessages } from "../../src/mqtt/ha-discovery.js";
import { mqttTopics } from "../../src/mqtt/topics.js";
import { startHarness } from "../helpers/harness.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";

/**
 * Home Assistant's own rules for MQTT discovery configs, as its MQTT docs state them
 * (home-assistant.io/integrations/{lock,binary_sensor,sensor,event}.mqtt and the discovery page):
 * required keys per platform, valid topics, and the device/entity fields HA validates. HA drops
 * the whole entity when one fails ("required key not provided"), so each announced entity must
 * pass every rule here.
 */
const REQUIRED: Record<string, string[]> = {
  // The MQTT lock is built on HA's read-write schema: command_topic is required.
  lock: ["command_topic"],
  binary_sensor: ["state_topic"],
  sensor: ["state_topic"],
  event: ["state_topic", "event_types"],
};
const PUBLISH_TOPIC_KEYS = ["command_topic"];
const SUBSCRIBE_TOPIC_KEYS = ["state_topic", "availability_topic", "json_attributes_topic"];
const BINARY_SENSOR_CLASSES = new Set([
  "door",
  "lock",
  "opening",
  "problem",
  "safety",
  "tamper",
  "connectivity",
]);
/** HA's pattern for node ids and object ids in a discovery topic. */
const HA_DISCOVERY_ID = /^[a-zA-Z0-9_-]+$/;
const DISCOVERY_TOPIC = /^([^/]+)\/(lock|binary_sensor|sensor|event)\/(?:([^/]+)\/)?([^/]+)\/config$/;

function schemaProblems(topic: string, payload: Record<string, unknown>, prefix: string): string[] {
  const problems: string[] = [];
  const m = DISCOVERY_TOPIC.exec(topic);
  if (!m || m[1] !== prefix) return [`${topic}: not <prefix>/<component>/[<node_id>/]<object_id>/config`];
  const [, , component, node, object] = m as unknown as [string, string, string, string | undefined, string];
  for (const id of [node, object])
    if (id !== undefined && !HA_DISCOVERY_ID.test(id)) problems.push(`bad id ${id}`);
  for (const key of REQUIRED[component] ?? [])
    if (!(key in payload)) problems.push(`${component}: required key not provided @ ${key}`);
  for (const key of PUBLISH_TOPIC_KEYS) {
    const t = payload[key];
    if (t !== undefined && (typeof t !== "string" || t === "" || /[+#]/.test(t)))
      problems.push(`${key}: invalid publish topic`);
  }
  for (const key of SUBSCRIBE_TOPIC_KEYS) {
    const t = payload[key];
    if (t !== undefined && (typeof t !== "string" || t === ""))
      problems.push(`${key}: invalid subscribe topic`);
  }
  if (payload.payload_open !== undefined && typeof payload.payload_open !== "string")
    problems.push("payload_open");
  if (payload.code_format !== undefined) {
    try {
      new RegExp(String(payload.code_format));
    } catch {
      problems.push("code_format: not a regular expression");
    }
  }
  if (component === "event") {
    const types = payload.event_types;
    if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === "string"))
      problems.push("event_types: a non-empty list of strings");
  }
  if (
    component === "binary_sensor" &&
    payload.device_class !== undefined &&
    !BINARY_SENSOR_CLASSES.has(String(payload.device_class))
  )
    problems.push("device_class");
  if (
    payload.entity_category !== undefined &&
    !["config", "diagnostic"].includes(String(payload.entity_category))
  )
    problems.push("entity_category");
  if (payload.device !== undefined) {
    const d = payload.device as Record<string, unknown>;
    const ids = (d.identifiers ?? d.connections) as unknown[] | undefined;
    if (!Array.isArray(ids) || ids.length === 0) problems.push("device: identifiers or connections required");
    if (typeof payload.unique_id !== "string" || payload.unique_id === "")
      problems.push("unique_id: required for an entity with a device");
  }
  return problems;
}

function announced(doorId: string, remoteControl: boolean) {
  const settings = parseSettings({ door_id: doorId, mqtt: { remote_control: remoteControl } });
  return haDiscoveryMessages(doorId, mqttTopics(settings), {
    discoveryPrefix: "homeassistant",
    remoteControl,
    codeRequired: true,
    version: "test",
  });
}

describe("Home Assistant discovery against HA's schema rules", () => {
  it("the rules catch what HA rejects: a lock without command_topic", () => {
    const lock = announced("records-room", true)[0] as { topic: string; payload: Record<string, unknown> };
    const { command_topic: _dropped, ...withoutCommand } = lock.payload;
    expect(schemaProblems(lock.topic, withoutCommand, "homeassistant")).toContain(
      "lock: required key not provided @ command_topic",
    );
  });

  it.each([true, false])("remote_control %s: every entity is valid, the lock included", (remoteControl) => {
    const messages = announced("records-room", remoteControl);
    expect(messages.map((m) => m.topic.split("/")[1]).sort()).toEqual([
      "binary_sensor",
      "event",
      "lock",
      "sensor",
    ]);
    for (const m of messages)
      expect(schemaProblems(m.topic, m.payload, "homeassistant"), m.topic).toEqual([]);
    // With remote control off HA still gets a command topic; the door refuses what arrives there.
    expect(messages[0]?.payload.command_topic).toBe("doorward/records-room/ha/lock/set");
  });

  it("door ids that differ only in '-' and '_' get different nodes, topics and unique ids", () => {
    const a = announced("records_room", false);
    const b = announced("records-room", false);
    const topicsA = new Set(a.map((m) => m.topic));
    expect(b.some((m) => topicsA.has(m.topic))).toBe(false);
    const idsA = new Set(a.map((m) => m.payload.unique_id));
    expect(b.some((m) => idsA.has(m.payload.unique_id))).toBe(false);
  });
});

describe("what a running door announces (default settings: remote_control off)", () => {
  let broker: TestBroker;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await broker?.close();
  });

  it("passes HA's schema rules for every entity", async () => {
    broker = await startTestBroker();
    const door = uniqueId("door");
    const disc = uniqueId("ha");
    const h = await startHarness({
      door_id: door,
      mqtt: { enabled: true, url: broker.url, home_assistant: { discovery_prefix: disc } },
    });
    cleanups.push(() => h.app.stop());
    await waitUntil(() => h.app.services.mqtt?.isConnected() === true);
    const sub = await subscriber(broker.url, [`${disc}/#`]);
    cleanups.push(sub.end);
    await sub.waitFor((m) => m.length >= 4);
    for (const m of sub.messages) {
      expect(schemaProblems(m.topic, JSON.parse(m.text) as Record<string, unknown>, disc), m.topic).toEqual(
        [],
      );
      // Published retained, cleared when the test ends (a shared broker keeps retained configs).
      cleanups.push(() => sub.client.publishAsync(m.topic, "", { qos: 1, retain: true }));
    }
  });
});

describe("upgrading from node ids that turned '-' into '_'", () => {
  let broker: TestBroker;
  const cleanups: Array<() => Promise<unknown>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await broker?.close();
  });

  it("clears this door's configs under its old node id, and never another door's", async () => {
    broker = await startTestBroker();
    const suffix = uniqueId("x").slice(2);
    const door = `door-${suffix}`;
    const disc = uniqueId("ha");
    const oldNode = `doorward_door_${suffix}`; // also the node of a real door named door_<suffix>
    const ours = `${disc}/sensor/${oldNode}/fault/config`;
    const theirs = `${disc}/lock/${oldNode}/lock/config`;
    const publisher = await subscriber(broker.url, [`${disc}/+/${oldNode}/+/config`]);
    cleanups.push(publisher.end);
    for (const [topic, state] of [
      [ours, `doorward/${door}/state`],
      [theirs, `doorward/door_${suffix}/state`],
    ] as const) {
      await publisher.client.publishAsync(topic, JSON.stringify({ state_topic: state }), {
        qos: 1,
        retain: true,
      });
      cleanups.push(() => publisher.client.publishAsync(topic, "", { qos: 1, retain: true }));
    }
    const h = await startHarness({
      door_id: door,
      mqtt: { enabled: true, url: broker.url, home_assistant: { discovery_prefix: disc } },
    });
    cleanups.push(() => h.app.stop());
    await publisher.waitFor((m) => m.some((x) => x.topic === ours && x.text === ""));
    const later = await subscriber(broker.url, [`${disc}/+/${oldNode}/+/config`]);
    cleanups.push(later.end);
    await later.waitFor((m) => m.some((x) => x.topic === theirs));
    expect(later.messages.map((m) => m.topic)).toEqual([theirs]);
  });
});
