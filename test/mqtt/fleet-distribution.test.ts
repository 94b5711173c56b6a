import { createPrivateKey, type KeyObject } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import mqtt, { type MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { publishFleetAllowlist } from "../../src/mqtt/fleet-publisher.js";
import { FleetResyncResponder } from "../../src/mqtt/fleet-resync-responder.js";
import { generateAdminKeyPair, signMessage } from "../../src/mqtt/signed-envelope.js";
import { CredentialHasher } from "../../src/secrets/credential-hasher.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { type Db, openDatabase } from "../../src/store/open-database.js";
import { UserStore } from "../../src/store/user-store.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import {
  CuttableLink,
  startTestBroker,
  subscriber,
  type TestBroker,
  uniqueId,
  waitUntil,
} from "../helpers/mqtt-broker.js";

describe("allowlist distribution to a fleet", () => {
  let broker: TestBroker;
  let adminClient: MqttClient;
  let adminDb: Db;
  let adminUsers: UserStore;
  let key: KeyObject;
  let publicPem: string;
  let group: string;
  let keyFile: string;
  const shared = new CredentialHasher(Buffer.alloc(32, 9));
  const cleanups: Array<() => Promise<void>> = [];

  beforeEach(async () => {
    broker = await startTestBroker();
    adminClient = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    adminDb = openDatabase(join(tempDir(), "admin.db"));
    adminUsers = new UserStore(adminDb);
    const pair = generateAdminKeyPair();
    key = createPrivateKey(pair.privatePem);
    publicPem = pair.publicPem;
    group = uniqueId("grp");
    keyFile = join(tempDir(), "fleet.key");
    writeFileSync(keyFile, Buffer.alloc(32, 9).toString("hex"), { mode: 0o600 });
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    // Clear the retained snapshot so a shared broker starts clean for the next test.
    await adminClient.publishAsync(`doorward/fleet/${group}/allowlist`, "", { qos: 1, retain: true });
    await adminClient.endAsync(true);
    adminDb.close();
    await broker.close();
  });

  function member(name: string, pin: string): string {
    const u = adminUsers.add(name, 0);
    adminUsers.setCredential(u.id, "pin", shared.hash("pin", pin), 0);
    adminDb.prepare("INSERT INTO fleet_group_members (group_name, user_id) VALUES (?, ?)").run(group, u.id);
    return u.userCode;
  }
  const publish = (fleetPrefix = "doorward/fleet") =>
    publishFleetAllowlist({
      db: adminDb,
      kv: new KeyValueStore(adminDb),
      client: adminClient,
      group,
      fleetPrefix,
      privateKey: key,
      nowMs: Date.now(),
    });

  async function door(url = broker.url, mqttExtra: Record<string, unknown> = {}): Promise<Harness> {
    const h = await startHarness({
      door_id: uniqueId("door"),
      secrets: { credential_key_file: keyFile },
      mqtt: { enabled: true, url, group, admin_public_key: publicPem, ...mqttExtra },
    });
    cleanups.push(() => h.app.stop());
    await waitUntil(() => h.app.services.mqtt?.isConnected() === true);
    return h;
  }
  const version = (h: Harness) => h.app.services.mqtt?.allowlistVersion() ?? -1;

  it("a published change reaches the door, which then opens for the new PIN (names stay at the admin)", async () => {
    member("Carol Admin-Side-Name", "1357");
    const h = await door();
    await publish();
    await waitUntil(() => version(h) === 1);
    expect(
      h.app.services.users
        .list()
        .map((u) => u.name)
        .join(),
    ).not.toContain("Carol");
    await h.type("1357#");
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.reasons()).toContain("allowlist_applied");
  });

  it("group topics follow mqtt.fleet_prefix on both sides; the default prefix does not reach such a door", async () => {
    const fleetPrefix = `${uniqueId("site")}/fleet`;
    member("Kim", "8642");
    const h = await door(broker.url, { fleet_prefix: fleetPrefix });
    await publish(); // v1 under doorward/fleet: not this door's topic
    const stray = new KeyValueStore(adminDb);
    stray.setJson(`fleet:${group}:published`, null); // start the version again for the other prefix
    await publish(fleetPrefix);
    await waitUntil(() => version(h) === 1);
    expect(h.reasons().filter((r) => r === "allowlist_applied")).toHaveLength(1);
    await h.type("8642#");
    expect(h.sim.door.boltReleased).toBe(true);
    await adminClient.publishAsync(`${fleetPrefix}/${group}/allowlist`, "", { qos: 1, retain: true });
  });

  it("an older signed snapshot is refused as an audit event; the current one again is not", async () => {
    member("Olive", "1470");
    const h = await door();
    await publish();
    await publish();
    await waitUntil(() => version(h) === 2);
    const { readGroupUsers } = await import("../../src/mqtt/allowlist-sync.js");
    const snapshot = (v: number) =>
      signMessage(
        { type: "allowlist_snapshot", group, version: v, ts_ms: 0, users: readGroupUsers(adminDb, group) },
        key,
      );
    const topic = `doorward/fleet/${group}/allowlist`;
    await adminClient.publishAsync(topic, snapshot(2), { qos: 1 });
    await adminClient.publishAsync(topic, snapshot(1), { qos: 1 });
    await waitUntil(() => h.reasons().includes("allowlist_outdated"));
    const rows = h.app.services.audit.tail(100).filter((r) => r.reason === "allowlist_outdated");
    expect(rows).toHaveLength(1);
    expect(rows[0]?.detail).toMatchObject({ via: "snapshot", version: 1, have: 2, group });
    expect(version(h)).toBe(2);
  });

  it("a snapshot whose allowlist_applied row cannot be written is not applied", async () => {
    member("Pia", "2581");
    const { logger, lines } = captureLogger();
    const h = await startHarness(
      {
        door_id: uniqueId("door"),
        secrets: { credential_key_file: keyFile },
        mqtt: { enabled: true, url: broker.url, group, admin_public_key: publicPem },
      },
      { logger },
    );
    cleanups.push(() => h.app.stop());
    await waitUntil(() => h.app.services.mqtt?.isSubscribed() === true);
    h.app.services.db.exec(`CREATE TRIGGER inject_audit_failure BEFORE INSERT ON audit_events
      WHEN NEW.reason = 'allowlist_applied' BEGIN SELECT RAISE(ABORT, 'injected'); END`);
    await publish();
    await waitUntil(() => lines.some((l) => l.msg === "inbound message handler failed"));
    expect(version(h)).toBe(0);
    expect(h.app.services.users.list()).toHaveLength(0);
  });

  it("a truncated, corrupted or unsigned snapshot changes nothing", async () => {
    member("Dan", "2468");
    const h = await door();
    await publish();
    await waitUntil(() => version(h) === 1);
    const before = h.app.services.users.list();
    member("Eve", "9753");
    const { readGroupUsers } = await import("../../src/mqtt/allowlist-sync.js");
    const good = signMessage(
      { type: "allowlist_snapshot", group, version: 2, ts_ms: 0, users: readGroupUsers(adminDb, group) },
      key,
    );
    const env = JSON.parse(good) as { body: string; sig: string };
    const topic = `doorward/fleet/${group}/allowlist`;
    const bad = [
      good.slice(0, good.length - 40), // truncated in transit
      JSON.stringify({
        body: env.body.replace("9753", "0000").replace(/"version":2/, '"version":3'),
        sig: env.sig,
      }), // altered
      JSON.stringify({ body: env.body }), // unsigned
      JSON.stringify({ body: env.body.slice(0, -10), sig: env.sig }), // body cut, signature kept
    ];
    for (const payload of bad) await adminClient.publishAsync(topic, payload, { qos: 1 });
    await waitUntil(() => h.reasons().filter((r) => r === "allowlist_rejected").length === bad.length);
    expect(version(h)).toBe(1);
    expect(h.app.services.users.list()).toEqual(before);
  });

  it("a door offline during three deltas catches up from the retained snapshot on reconnect", async () => {
    const link = await CuttableLink.open(broker.url);
    cleanups.push(() => link.cut());
    member("Fay", "1111");
    const h = await door(link.url);
    await publish();
    await waitUntil(() => version(h) === 1);

    await link.cut();
    await waitUntil(() => h.app.services.mqtt?.isConnected() === false);
    const gus = member("Gus", "2222");
    expect((await publish()).delta).toEqual({ upsert: 1, remove: 0 });
    member("Hal", "3333");
    await publish();
    adminUsers.setEnabled(adminUsers.require("Gus").id, false);
    await publish();
    expect(version(h)).toBe(1);

    await link.restore();
    await waitUntil(() => version(h) === 4, 15_000);
    const codes = h.app.services.users.list().map((u) => u.userCode);
    expect(codes).toHaveLength(3);
    expect(h.app.services.users.find(gus)?.enabled).toBe(false);
    await h.type("3333#");
    expect(h.sim.door.boltReleased).toBe(true);
  });

  it("a delta that does not follow the door's version is refused as a gap; the next in-order delta applies", async () => {
    member("Ivy", "4444");
    const h = await door();
    await publish(); // v1
    await waitUntil(() => version(h) === 1);
    const delta = (base: number) =>
      signMessage(
        {
          type: "allowlist_delta",
          group,
          base_version: base,
          version: base + 1,
          ts_ms: 0,
          upsert: [],
          remove: [],
        },
        key,
      );
    await adminClient.publishAsync(`doorward/fleet/${group}/allowlist/delta`, delta(5), { qos: 1 });
    await waitUntil(() => h.reasons().includes("allowlist_gap"));
    expect(version(h)).toBe(1);
    await adminClient.publishAsync(`doorward/fleet/${group}/allowlist/delta`, delta(1), { qos: 1 });
    await waitUntil(() => version(h) === 2);
    expect(h.app.services.audit.verify().ok).toBe(true);
  });

  it("a door that missed deltas and finds no retained snapshot asks for it; fleet serve answers", async () => {
    const link = await CuttableLink.open(broker.url);
    cleanups.push(() => link.cut());
    member("Lou", "5555");
    const h = await door(link.url);
    await publish(); // v1
    await waitUntil(() => version(h) === 1);
    await link.cut();
    await waitUntil(() => h.app.services.mqtt?.isConnected() === false);
    member("Max", "6666");
    await publish(); // v2
    await publish(); // v3
    // The broker loses its retained snapshot (restarted without persistence, say).
    await adminClient.publishAsync(`doorward/fleet/${group}/allowlist`, "", { qos: 1, retain: true });
    await link.restore();
    await waitUntil(() => h.app.services.mqtt?.isConnected() === true, 15_000);

    const log = captureLogger();
    const responder = new FleetResyncResponder({
      client: adminClient,
      kv: new KeyValueStore(adminDb),
      group,
      fleetPrefix: "doorward/fleet",
      privateKey: key,
      log: log.logger,
      now: Date.now,
    });
    await responder.start();
    const asks = await subscriber(broker.url, [`doorward/fleet/${group}/allowlist/resync`]);
    cleanups.push(asks.end);
    // The next delta (v3 → v4) does not follow v1: the door asks, the responder re-publishes v3.
    const delta = signMessage(
      { type: "allowlist_delta", group, base_version: 3, version: 4, ts_ms: 0, upsert: [], remove: [] },
      key,
    );
    await adminClient.publishAsync(`doorward/fleet/${group}/allowlist/delta`, delta, { qos: 1 });
    await waitUntil(() => version(h) === 3);
    await asks.waitFor((m) => m.length > 0);
    expect(JSON.parse(asks.messages[0]?.text ?? "")).toEqual({
      type: "allowlist_resync",
      group,
      door: h.settings.door_id,
      have_version: 1,
    });
    expect(asks.messages[0]?.retain).toBe(false);
    await h.type("6666#");
    expect(h.sim.door.boltReleased).toBe(true);

    // What the responder refuses, each with a logged reason and no publish.
    const ask = (body: unknown) => responder.handle(Buffer.from(JSON.stringify(body)), false);
    const req = { type: "allowlist_resync", group, door: "x", have_version: 0 };
    expect(await responder.handle(Buffer.from("{not json"), false)).toBeNull();
    expect(await ask({ ...req, extra: 1 })).toBeNull();
    expect(await ask({ ...req, group: "other" })).toBeNull();
    expect(await ask({ ...req, have_version: 3 })).toBeNull();
    expect(await ask(req)).toBeNull(); // answered a moment ago: throttled
    expect(await responder.handle(Buffer.from(JSON.stringify(req)), true)).toBeNull();
    expect(log.lines.filter((l) => l.msg === "resync request ignored").map((l) => l.reason)).toEqual([
      "malformed",
      "malformed",
      "wrong_group",
      "up_to_date",
      "throttled",
      "retained",
    ]);
  }, 30_000);
});
