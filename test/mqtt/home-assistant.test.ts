import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { haCodeHash } from "../../src/mqtt/inbound-handler.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import {
  CuttableLink,
  startTestBroker,
  subscriber,
  type TestBroker,
  uniqueId,
  waitUntil,
} from "../helpers/mqtt-broker.js";

describe("state, availability and Home Assistant", () => {
  let broker: TestBroker;
  let door: string;
  let disc: string;
  const cleanups: Array<() => Promise<void>> = [];
  const key = Buffer.alloc(32, 7);

  beforeEach(async () => {
    broker = await startTestBroker();
    door = uniqueId("door");
    disc = uniqueId("ha");
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await broker.close();
  });

  async function controller(
    url: string,
    mqttExtra: Record<string, unknown> = {},
    top: Record<string, unknown> = {},
  ): Promise<Harness> {
    const keyFile = join(tempDir(), "fleet.key");
    writeFileSync(keyFile, key.toString("hex"), { mode: 0o600 });
    const h = await startHarness({
      door_id: door,
      secrets: { credential_key_file: keyFile },
      mqtt: { enabled: true, url, home_assistant: { discovery_prefix: disc }, ...mqttExtra },
      ...top,
    });
    cleanups.push(() => h.app.stop());
    await waitUntil(() => h.app.services.mqtt?.isSubscribed() === true);
    return h;
  }

  it("publishes retained state on connect and on every door change", async () => {
    const h = await controller(broker.url);
    const sub = await subscriber(broker.url, [`doorward/${door}/state`]);
    cleanups.push(sub.end);
    await sub.waitFor((m) => m.length > 0);
    expect(sub.messages[0]?.retain).toBe(true);
    expect(JSON.parse(sub.messages[0]?.text ?? "")).toEqual({
      lock: "locked",
      door: "closed",
      phase: "locked",
      faults: [],
      allowlist_version: 0,
      remote_control: false,
    });
    h.app.services.door.enterFault("relay feedback lost");
    await sub.waitFor((m) => m.some((x) => JSON.parse(x.text).lock === "jammed"));
    expect(JSON.parse(sub.messages.at(-1)?.text ?? "")).toMatchObject({
      phase: "fault",
      faults: ["relay feedback lost"],
    });
  });

  it("announces online, and the broker publishes the last will 'offline' when the link dies", async () => {
    const link = await CuttableLink.open(broker.url);
    cleanups.push(() => link.cut());
    const sub = await subscriber(broker.url, [`doorward/${door}/availability`]);
    cleanups.push(sub.end);
    await controller(link.url);
    await sub.waitFor((m) => m.some((x) => x.text === "online"));
    await link.cut();
    await sub.waitFor((m) => m.at(-1)?.text === "offline");
  });

  it("on a clean stop publishes the controller_stopped event before 'offline'", async () => {
    const h = await controller(broker.url);
    const sub = await subscriber(broker.url, [`doorward/${door}/event`, `doorward/${door}/availability`]);
    cleanups.push(sub.end);
    await sub.waitFor((m) => m.some((x) => x.text === "online"));
    await h.app.stop();
    await sub.waitFor((m) => m.some((x) => x.text === "offline"));
    const seen = sub.messages.map((m) =>
      m.topic.endsWith("/availability") ? m.text : (JSON.parse(m.text) as { reason: string }).reason,
    );
    expect(seen).toContain("controller_stopped");
    expect(seen.indexOf("controller_stopped")).toBeLessThan(seen.lastIndexOf("offline"));
  });

  it("publishes discovery for lock, door contact, access events and faults; again when HA comes online", async () => {
    await controller(broker.url, { remote_control: true });
    const sub = await subscriber(broker.url, [`${disc}/+/+/+/config`]);
    cleanups.push(sub.end);
    await sub.waitFor((m) => m.length >= 4);
    const byTopic = Object.fromEntries(sub.messages.map((m) => [m.topic.split("/")[1], JSON.parse(m.text)]));
    const node = `doorward_${door}`;
    expect(sub.messages.every((m) => m.retain)).toBe(true);
    expect(byTopic.lock).toMatchObject({
      unique_id: `${node}_lock`,
      state_topic: `doorward/${door}/state`,
      command_topic: `doorward/${door}/ha/lock/set`,
      payload_open: "OPEN",
      state_jammed: "JAMMED",
      availability_topic: `doorward/${door}/availability`,
    });
    expect(byTopic.binary_sensor).toMatchObject({
      device_class: "door",
      state_topic: `doorward/${door}/state`,
    });
    expect(byTopic.event.event_types).toEqual([
      "access_granted",
      "access_denied",
      "door_forced",
      "door_held_open",
    ]);
    expect(byTopic.sensor).toMatchObject({ entity_category: "diagnostic" });

    const count = sub.messages.length;
    const ha = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    cleanups.push(() => ha.endAsync(true));
    await ha.publishAsync(`${disc}/status`, "online", { qos: 1 });
    await sub.waitFor((m) => m.length >= count + 4);
  });

  it("feeds live access and door events to the HA event entity, without names", async () => {
    const h = await controller(broker.url);
    const sub = await subscriber(broker.url, [`doorward/${door}/ha/event`]);
    cleanups.push(sub.end);
    h.addUserWithPin("Zed", "5151");
    await h.type("9999#");
    await h.type("5151#");
    await sub.waitFor((m) => m.length >= 2);
    expect(sub.messages.map((m) => JSON.parse(m.text).event_type)).toEqual([
      "access_denied",
      "access_granted",
    ]);
    expect(sub.messages.map((m) => m.text).join()).not.toContain("Zed");
  });

  describe("lock commands from Home Assistant", () => {
    let ha: MqttClient;
    let h: Harness;
    const setTopic = () => `doorward/${door}/ha/lock/set`;
    async function send(payload: unknown, reason: string) {
      const before = h.app.services.audit.tail(1000).length;
      await ha.publishAsync(setTopic(), typeof payload === "string" ? payload : JSON.stringify(payload), {
        qos: 1,
      });
      await waitUntil(() =>
        h.app.services.audit
          .tail(1000)
          .slice(before)
          .some((r) => r.reason === reason),
      );
    }
    beforeEach(async () => {
      ha = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
      cleanups.push(() => ha.endAsync(true));
    });

    it("opens only with the right code, and locks without one", async () => {
      h = await controller(broker.url, {
        remote_control: true,
        ha_unlock_code_hash: haCodeHash(key, "864209"),
      });
      await send({ action: "UNLOCK", code: "000000" }, "bad_code");
      await send({ action: "OPEN", code: "" }, "bad_code");
      await send("UNLOCK", "bad_code");
      expect(h.sim.door.boltReleased).toBe(false);
      await send({ action: "OPEN", code: "864209" }, "remote_unlock");
      await waitUntil(() => h.sim.door.boltReleased);
      await send({ action: "LOCK", code: "" }, "remote_lock");
      await waitUntil(() => !h.sim.door.boltReleased);
    });

    it("backs off wrong codes like wrong PINs, on its own count, and keeps the lockout across a restart", async () => {
      const dataDir = tempDir();
      const mqttCfg = { remote_control: true, ha_unlock_code_hash: haCodeHash(key, "864209") };
      const top = { data_dir: dataDir, lockout: { max_failures: 3, base_s: 30, max_s: 120 } };
      h = await controller(broker.url, mqttCfg, top);
      const count = (reason: string) => h.reasons().filter((r) => r === reason).length;
      for (const guess of ["000001", "000002", "000003"])
        await send({ action: "UNLOCK", code: guess }, "bad_code");
      await waitUntil(() => count("bad_code") === 3 && count("lockout_started") === 1);
      const started = h.app.services.audit.tail(1000).find((r) => r.reason === "lockout_started");
      expect(started?.detail).toMatchObject({ via: "home_assistant", lockout_s: 30 });

      // Locked out: even the right code is refused, and the code is not compared (no new bad_code).
      await send({ action: "OPEN", code: "864209" }, "ha_code_locked_out");
      expect(h.sim.door.boltReleased).toBe(false);
      expect(count("bad_code")).toBe(3);
      // The keypad is not locked out by guesses made over MQTT; LOCK needs no code and still works.
      h.addUserWithPin("Kai", "7373");
      await h.type("7373#");
      expect(h.sim.door.boltReleased).toBe(true);
      await send("LOCK", "remote_lock");
      await waitUntil(() => !h.sim.door.boltReleased);

      // A restart does not reset the guessing budget.
      await h.app.stop();
      h = await controller(broker.url, mqttCfg, top);
      const before = count("ha_code_locked_out");
      await send({ action: "OPEN", code: "864209" }, "ha_code_locked_out");
      expect(count("ha_code_locked_out")).toBe(before + 1);
      expect(h.sim.door.boltReleased).toBe(false);

      // After the back-off the right code opens, and resets the count.
      await h.clock.advance(30_000);
      await send({ action: "OPEN", code: "864209" }, "remote_unlock");
      await waitUntil(() => h.sim.door.boltReleased);
    });

    it("refuses UNLOCK when no code is configured, without counting it as a guess", async () => {
      h = await controller(broker.url, { remote_control: true });
      await send({ action: "UNLOCK", code: "123456" }, "ha_code_not_configured");
      expect(h.sim.door.boltReleased).toBe(false);
      expect(h.reasons()).not.toContain("bad_code");
    });

    it("refuses everything when remote_control is off", async () => {
      h = await controller(broker.url, {
        remote_control: false,
        ha_unlock_code_hash: haCodeHash(key, "864209"),
      });
      await send({ action: "UNLOCK", code: "864209" }, "remote_control_disabled");
      expect(h.sim.door.boltReleased).toBe(false);
    });
  });
});
