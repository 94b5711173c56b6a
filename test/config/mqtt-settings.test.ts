import { describe, expect, it } from "vitest";
import { ConfigError, parseSettings } from "../../src/config/load-settings.js";
import { mqttTopics } from "../../src/mqtt/topics.js";

describe("mqtt and secrets settings", () => {
  it("are off by default, with the documented defaults", () => {
    const s = parseSettings({});
    expect(s.mqtt).toMatchObject({
      enabled: false,
      remote_control: false,
      admin_public_key: null,
      max_in_flight: 20,
      command_window_s: 60,
    });
    expect(s.secrets.credential_key_file).toBeNull();
    expect(mqttTopics(s)).toMatchObject({
      event: "doorward/records-room/event",
      haStatus: "homeassistant/status",
      groupCommand: null,
    });
  });

  it("derive topics from a custom prefix and group", () => {
    const t = mqttTopics(parseSettings({ mqtt: { prefix: "site/a/door-3", group: "lab" } }));
    expect(t).toMatchObject({
      state: "site/a/door-3/state",
      groupCommand: "doorward/fleet/lab/command",
      allowlistSnapshot: "doorward/fleet/lab/allowlist",
    });
  });

  it("put group topics under mqtt.fleet_prefix", () => {
    const t = mqttTopics(parseSettings({ mqtt: { fleet_prefix: "site-a/fleet", group: "lab" } }));
    expect(t).toMatchObject({
      groupCommand: "site-a/fleet/lab/command",
      allowlistSnapshot: "site-a/fleet/lab/allowlist",
      allowlistDelta: "site-a/fleet/lab/allowlist/delta",
      allowlistResync: "site-a/fleet/lab/allowlist/resync",
    });
  });

  it.each([
    [{ mqtt: { fleet_prefix: "doorward/+/fleet" } }, "mqtt.fleet_prefix"],
    [{ mqtt: { prefix: "doorward/#" } }, "mqtt.prefix"],
    [{ mqtt: { prefix: "doorward/" } }, "mqtt.prefix"],
    [{ mqtt: { url: "http://broker" } }, "mqtt.url"],
    [{ mqtt: { tls: { ca: "x" } } }, "mqtt.tls: unknown key 'ca'"],
    [{ mqtt: { ha_unlock_code_hash: "1234" } }, "mqtt.ha_unlock_code_hash"],
    [{ mqtt: { max_in_flight: 0 } }, "mqtt.max_in_flight"],
  ])("reject %j naming the key", (raw, key) => {
    expect(() => parseSettings(raw)).toThrow(ConfigError);
    try {
      parseSettings(raw);
    } catch (err) {
      expect((err as ConfigError).problems.join("\n")).toContain(key);
    }
  });
});
