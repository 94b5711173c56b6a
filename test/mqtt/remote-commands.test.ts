import { createPrivateKey, type KeyObject } from "node:crypto";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { signedCommand } from "../../src/mqtt/fleet-publisher.js";
import { generateAdminKeyPair, signMessage } from "../../src/mqtt/signed-envelope.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { startTestBroker, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";

describe("signed remote commands", () => {
  let broker: TestBroker;
  let admin: MqttClient;
  let h: Harness;
  let key: KeyObject;
  let door: string;
  let group: string;
  const cleanups: Array<() => Promise<void>> = [];

  let pair = generateAdminKeyPair();
  async function start(
    extra: Record<string, unknown> = {},
    keepKey = false,
    top: Record<string, unknown> = {},
  ): Promise<Harness> {
    if (!keepKey) pair = generateAdminKeyPair();
    key = createPrivateKey(pair.privatePem);
    const harness = await startHarness({
      ...top,
      door_id: door,
      mqtt: {
        enabled: true,
        url: broker.url,
        remote_control: true,
        admin_public_key: pair.publicPem,
        group,
        ...extra,
      },
    });
    cleanups.push(() => harness.app.stop());
    // The broker has acknowledged the door's SUBSCRIBE: commands published from here on reach it.
    await waitUntil(() => harness.app.services.mqtt?.isSubscribed() === true);
    return harness;
  }

  beforeEach(async () => {
    broker = await startTestBroker();
    admin = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    door = uniqueId("door");
    group = uniqueId("grp");
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await admin.endAsync(true);
    await broker.close();
  });

  const commandTopic = () => `doorward/${door}/command`;
  const command = (over: Partial<Parameters<typeof signedCommand>[1]> = {}) =>
    signedCommand(key, { action: "unlock", target: { door }, tsMs: h.clock.now(), ...over });
  const rows = () => h.app.services.audit.tail(1000);
  async function expectRejected(
    payload: string,
    reason: string,
    opts: { retain?: boolean; topic?: string } = {},
  ) {
    const before = rows().length;
    await admin.publishAsync(opts.topic ?? commandTopic(), payload, { qos: 1, retain: opts.retain ?? false });
    await waitUntil(() =>
      rows()
        .slice(before)
        .some((r) => r.reason === reason),
    );
    const added = rows().slice(before);
    expect(added.find((r) => r.reason === reason)).toMatchObject({
      kind: "access",
      credential: "remote",
      outcome: "denied",
    });
    expect(added.some((r) => r.outcome === "granted")).toBe(false);
    expect(h.sim.door.boltReleased).toBe(false);
  }

  it("a signed unlock addressed to this door commits a remote grant, then opens", async () => {
    h = await start();
    await admin.publishAsync(commandTopic(), command(), { qos: 1 });
    await waitUntil(() => h.sim.door.boltReleased);
    const grant = rows().find((r) => r.reason === "remote_unlock");
    expect(grant).toMatchObject({ kind: "access", credential: "remote", outcome: "granted" });
    await admin.publishAsync(commandTopic(), command({ action: "lock" }), { qos: 1 });
    await waitUntil(() => !h.sim.door.boltReleased);
    expect(rows().map((r) => r.reason)).toContain("remote_lock");
  });

  it("accepts a command addressed to the door's group on the group topic", async () => {
    h = await start();
    await admin.publishAsync(`doorward/fleet/${group}/command`, command({ target: { group } }), { qos: 1 });
    await waitUntil(() => h.sim.door.boltReleased);
  });

  it("a signed lockdown puts the door in lockdown: a valid PIN is then denied, until lockdown off", async () => {
    h = await start();
    h.addUserWithPin("alice", "1234");
    await admin.publishAsync(commandTopic(), command({ action: "lockdown", value: "on" }), { qos: 1 });
    await waitUntil(() => rows().some((r) => r.reason === "door_mode_changed"));
    expect(rows().find((r) => r.reason === "door_mode_changed")?.detail).toMatchObject({
      by: "mqtt",
      mode: "lockdown",
      previous: "normal",
    });
    expect(h.app.services.policy.mode.status().mode).toBe("lockdown");
    await h.type("1234#");
    expect(rows().at(-1)).toMatchObject({ reason: "lockdown", outcome: "denied" });
    expect(h.sim.door.boltReleased).toBe(false);
    await admin.publishAsync(commandTopic(), command({ action: "lockdown", value: "off" }), { qos: 1 });
    await waitUntil(() => rows().filter((r) => r.reason === "door_mode_changed").length === 2);
    await h.type("1234#");
    expect(rows().at(-1)).toMatchObject({ reason: "granted" });
  });

  it("refuses unsigned, badly signed, malformed, misaddressed and stale commands", async () => {
    h = await start();
    const body = JSON.stringify({
      type: "command",
      action: "unlock",
      target: { door },
      ts_ms: h.clock.now(),
      nonce: "n".repeat(16),
    });
    await expectRejected(JSON.stringify({ body }), "unsigned");
    await expectRejected(JSON.stringify({ body, sig: "" }), "unsigned");
    const otherKey = createPrivateKey(generateAdminKeyPair().privatePem);
    await expectRejected(
      signedCommand(otherKey, { action: "unlock", target: { door }, tsMs: h.clock.now() }),
      "bad_signature",
    );
    const genuine = JSON.parse(command()) as { body: string; sig: string };
    const tampered = genuine.body.replace('"unlock"', '"lock"');
    await expectRejected(JSON.stringify({ body: tampered, sig: genuine.sig }), "bad_signature");
    await expectRejected("not json at all {", "malformed");
    await expectRejected(
      signMessage({ type: "command", action: "explode", target: { door } }, key),
      "malformed",
    );
    await expectRejected(command({ target: { door: "some-other-door" } }), "wrong_door");
    await expectRejected(command({ target: { group: "other-group" } }), "wrong_door");
    await expectRejected(command({ tsMs: h.clock.now() - 61_000 }), "stale");
    await expectRejected(command({ tsMs: h.clock.now() + 61_000 }), "stale");
  });

  it("refuses a replay of an accepted command, even after a restart", async () => {
    h = await start();
    const once = command();
    await admin.publishAsync(commandTopic(), once, { qos: 1 });
    await waitUntil(() => h.sim.door.boltReleased);
    await h.clock.advance(h.settings.door.unlock_ms + 100);
    expect(h.sim.door.boltReleased).toBe(false);
    await expectRejected(once, "replayed");
    // The nonce store is in the database: a restarted controller still knows the command.
    await h.app.stop();
    h = await start({}, true, { data_dir: h.settings.data_dir });
    await expectRejected(once, "replayed");
  });

  it("ignores a retained command (delivered as retained on subscribe)", async () => {
    // Retained before the door subscribes: the broker hands it over flagged retained.
    const pair = generateAdminKeyPair();
    key = createPrivateKey(pair.privatePem);
    const early = signedCommand(key, {
      action: "unlock",
      target: { door },
      tsMs: Date.UTC(2026, 0, 5, 9, 0, 0),
    });
    await admin.publishAsync(commandTopic(), early, { qos: 1, retain: true });
    cleanups.push(async () => void (await admin.publishAsync(commandTopic(), "", { qos: 1, retain: true })));
    h = await startHarness({
      door_id: door,
      mqtt: { enabled: true, url: broker.url, remote_control: true, admin_public_key: pair.publicPem },
    });
    cleanups.push(() => h.app.stop());
    await waitUntil(() => rows().some((r) => r.reason === "retained"));
    expect(h.sim.door.boltReleased).toBe(false);
    expect(rows().some((r) => r.outcome === "granted")).toBe(false);
  });

  it("refuses a retained command that reaches a door already subscribed (MQTT 5 retain-as-published)", async () => {
    h = await start();
    cleanups.push(async () => void (await admin.publishAsync(commandTopic(), "", { qos: 1, retain: true })));
    // Fresh, signed, addressed here: only the retain flag is wrong. A 3.1.1 subscription would
    // see it without the flag and open the door.
    await expectRejected(command(), "retained", { retain: true });
    await expectRejected(command({ target: { group } }), "retained", {
      retain: true,
      topic: `doorward/fleet/${group}/command`,
    });
    cleanups.push(
      async () =>
        void (await admin.publishAsync(`doorward/fleet/${group}/command`, "", { qos: 1, retain: true })),
    );
  });

  it("on a broker without MQTT 5 it still connects, and refuses every command as retain_unverifiable", async () => {
    const old = await startTestBroker({ mqtt311Only: true });
    cleanups.push(() => old.close());
    const oldAdmin = await mqtt.connectAsync(old.url, { protocolVersion: 4 });
    cleanups.push(() => oldAdmin.endAsync(true));
    h = await start({ url: old.url });
    await oldAdmin.publishAsync(commandTopic(), command(), { qos: 1 });
    await waitUntil(() => rows().some((r) => r.reason === "retain_unverifiable"));
    expect(rows().some((r) => r.outcome === "granted")).toBe(false);
    expect(h.sim.door.boltReleased).toBe(false);
  });

  it("an empty retained message on a command topic is housekeeping: no row", async () => {
    h = await start();
    for (const topic of [commandTopic(), `doorward/${door}/ha/lock/set`])
      await admin.publishAsync(topic, "", { qos: 1, retain: true }); // mosquitto_pub -r -n
    await expectRejected("junk after the clearing", "malformed");
    expect(rows().filter((r) => r.reason === "malformed")).toHaveLength(1);
    expect(rows().filter((r) => r.reason === "retained")).toHaveLength(0);
  });

  it("lockdown off over MQTT does not end an emergency unlock (same rule as the page and the CLI)", async () => {
    h = await start();
    const { commands } = h.app.services;
    await commands.setMode(door, { mode: "emergency_unlock", on: true }, { by: "web:ada" });
    expect(h.sim.door.boltReleased).toBe(true);
    await admin.publishAsync(commandTopic(), command({ action: "lockdown", value: "off" }), { qos: 1 });
    await waitUntil(() => rows().some((r) => r.reason === "door_mode_refused"));
    expect(rows().find((r) => r.reason === "door_mode_refused")).toMatchObject({
      outcome: "denied",
      detail: { by: "mqtt", requested: "lockdown_off", mode: "emergency_unlock" },
    });
    await h.clock.advance(5000);
    expect(h.app.services.policy.mode.status()).toMatchObject({
      mode: "emergency_unlock",
      held_for: "emergency_unlock",
    });
    expect(h.sim.door.boltReleased).toBe(true);
    expect(rows().some((r) => r.reason === "emergency_unlock_ended")).toBe(false);
  });

  it("a signed lockdown whose audit row cannot be written changes no mode", async () => {
    h = await start();
    const { db } = h.app.services;
    db.exec(`CREATE TRIGGER inject_audit_failure BEFORE INSERT ON audit_events WHEN NEW.reason = 'door_mode_changed'
             BEGIN SELECT RAISE(ABORT, 'injected'); END`);
    const nonces = () =>
      (db.prepare("SELECT count(*) AS n FROM mqtt_command_nonces").get() as { n: number }).n;
    await admin.publishAsync(commandTopic(), command({ action: "lockdown", value: "on" }), { qos: 1 });
    // The command runs in the same tick as its nonce is stored: once the nonce is there, it ran.
    await waitUntil(() => nonces() === 1);
    await h.clock.advance(2000);
    expect(h.app.services.policy.store.mode().mode).toBe("normal");
    expect(rows().some((r) => r.reason === "door_mode_changed")).toBe(false);
  });

  it("refuses every command when remote_control is off", async () => {
    h = await start({ remote_control: false });
    await expectRejected(command(), "remote_control_disabled");
  });

  it("writes at most 30 refusals a minute, then one row counting the rest", async () => {
    h = await start();
    const refusals = () => rows().filter((r) => r.reason === "malformed").length;
    for (let i = 0; i < 40; i++) await admin.publishAsync(commandTopic(), `junk ${i}`, { qos: 1 });
    // A signed lock after the junk: messages from one publisher arrive in order, so once its row is
    // written the other 10 have been handled (and only counted).
    await admin.publishAsync(commandTopic(), command({ action: "lock" }), { qos: 1 });
    await waitUntil(() => rows().some((r) => r.reason === "remote_lock"));
    expect(refusals()).toBe(30);
    await h.clock.advance(60_000);
    await admin.publishAsync(commandTopic(), "junk again", { qos: 1 });
    await waitUntil(() => refusals() === 31);
    expect(rows().find((r) => r.reason === "rejections_suppressed")?.detail).toEqual({ count: 10 });
  });
});
