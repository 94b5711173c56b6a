import { createPrivateKey } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signedCommand } from "../../src/mqtt/fleet-publisher.js";
import { generateAdminKeyPair } from "../../src/mqtt/signed-envelope.js";
import { doorEntry, keypadReader } from "../helpers/doors.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";

describe("MQTT with several doors", () => {
  let broker: TestBroker;
  let admin: MqttClient;
  let h: Harness;

  beforeEach(async () => {
    broker = await startTestBroker();
    admin = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
  });
  afterEach(async () => {
    await h?.app.stop();
    await admin.endAsync(true);
    await broker.close();
  });

  it("each door has its own state, commands and Home Assistant device", async () => {
    const site = uniqueId("site");
    const [outer, cage] = [`${site}-outer`, `${site}-cage`];
    const pair = generateAdminKeyPair();
    const key = createPrivateKey(pair.privatePem);
    const watch = await subscriber(broker.url, ["doorward/+/state", "homeassistant/lock/+/lock/config"]);
    h = await startHarness({
      doors: [
        doorEntry(outer, 4, [keypadReader(`${outer}-keypad`, 0x34)]),
        doorEntry(cage, 10, [keypadReader(`${cage}-keypad`, 0x35)]),
      ],
      mqtt: { enabled: true, url: broker.url, remote_control: true, admin_public_key: pair.publicPem },
    });
    await waitUntil(() => h.app.services.mqtt?.isSubscribed() === true);
    const mine = (m: { topic: string }) => m.topic.includes(site);
    await watch.waitFor(
      (all) =>
        new Set(all.filter((m) => mine(m) && m.topic.endsWith("/state")).map((m) => m.topic)).size === 2,
    );
    await watch.waitFor(
      (all) => all.filter((m) => mine(m) && m.topic.startsWith("homeassistant/lock/")).length === 2,
    );
    const locks = watch.messages
      .filter((m) => mine(m) && m.topic.startsWith("homeassistant/lock/"))
      .map(
        (m) =>
          JSON.parse(m.text) as { state_topic: string; command_topic: string; availability_topic: string },
      );
    expect(locks.map((l) => l.state_topic).sort()).toEqual([
      `doorward/${cage}/state`,
      `doorward/${outer}/state`,
    ]);
    // Every door is available while the controller's one connection is (its last will, on the first door's P).
    expect(new Set(locks.map((l) => l.availability_topic))).toEqual(
      new Set([`doorward/${outer}/availability`]),
    );

    // A signed unlock on the cage's command topic opens the cage only; its row names the cage.
    const unlock = signedCommand(key, { action: "unlock", target: { door: cage }, tsMs: h.clock.now() });
    await admin.publishAsync(`doorward/${cage}/command`, unlock, { qos: 1 });
    await waitUntil(() => h.sim.doors[1]?.door.boltReleased === true);
    expect(h.sim.doors[0]?.door.boltReleased).toBe(false);
    expect(h.app.services.audit.tail(20).find((r) => r.reason === "remote_unlock")?.door).toBe(cage);
    await watch.waitFor((all) =>
      all.some((m) => m.topic === `doorward/${cage}/state` && JSON.parse(m.text).lock === "unlocked"),
    );

    // A command for the outer door sent on the cage's topic is misaddressed.
    const wrong = signedCommand(key, { action: "unlock", target: { door: outer }, tsMs: h.clock.now() });
    await admin.publishAsync(`doorward/${cage}/command`, wrong, { qos: 1 });
    await waitUntil(() => h.app.services.audit.tail(20).some((r) => r.reason === "wrong_door"));
    expect(h.sim.doors[0]?.door.boltReleased).toBe(false);
    await watch.end();
  });
});
