import { createPrivateKey } from "node:crypto";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import mqtt from "mqtt";
import { systemClock } from "../devices/system-clock.js";
import { AuditLog } from "../src/audit/audit-log.js";
import { parseSettings } from "../src/config/load-settings.js";
import { DoorCommands } from "../src/door/door-commands.js";
import { createLogger } from "../src/logger.js";
import { publishFleetAllowlist } from "../src/mqtt/fleet-publisher.js";
import { MqttBridge } from "../src/mqtt/mqtt-bridge.js";
import { generateAdminKeyPair } from "../src/mqtt/signed-envelope.js";
import { CredentialHasher } from "../src/secrets/credential-hasher.js";
import { KeyValueStore } from "../src/store/key-value-store.js";
import { openDatabase } from "../src/store/open-database.js";
import { UserStore } from "../src/store/user-store.js";
import { startBroker } from "./local-broker.js";

export interface MqttDrainFigures {
  broker: string;
  backlog_events: number;
  drain_ms: number;
  drain_events_per_s: number;
  subscriber_received_distinct: number;
  fleet_publish_to_apply_ms: { median: number; max: number; samples: number };
}

const idleDoor = {
  status: () => ({ phase: "locked" as const, lock: "locked" as const, door: "closed" as const, fault: null }),
  onChange: () => () => {},
};

export async function benchMqttDrain(
  opts: { events?: number; fleetSamples?: number } = {},
): Promise<MqttDrainFigures> {
  const events = opts.events ?? 100_000;
  const broker = await startBroker();
  const logger = createLogger("silent");
  const dir = mkdtempSync(join(tmpdir(), "bench-mqtt-"));
  try {
    // 1. The backlog: written while the broker was "away" (in one transaction, to build it fast).
    const door = `bench-${process.pid}`;
    const db = openDatabase(join(dir, "door.db"));
    const audit = new AuditLog(db, door);
    db.transaction(() => {
      for (let i = 0; i < events; i++)
        audit.append(
          { kind: "access", reason: "granted", credential: "pin", outcome: "granted", userCode: "u-BENCH1" },
          Date.now(),
        );
    })();
    const topic = `doorward/${door}/event`;
    const sub = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    const seen = new Set<number>();
    sub.on("message", (_t, payload) => seen.add((JSON.parse(payload.toString()) as { seq: number }).seq));
    await sub.subscribeAsync(topic, { qos: 0 });

    const settings = parseSettings({
      door_id: door,
      log_level: "silent",
      mqtt: { enabled: true, url: broker.url },
    });
    const bridge = new MqttBridge({
      settings,
      db,
      audit,
      door: idleDoor,
      clock: systemClock,
      logger,
      credentialKey: Buffer.alloc(32),
      commands: new DoorCommands(audit, systemClock, new Map()),
    });
    const t0 = performance.now();
    bridge.start();
    await bridge.waitForPublished(events, 600_000);
    const drainMs = performance.now() - t0;
    const until = Date.now() + 10_000;
    while (seen.size < events && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
    await bridge.stop();
    await sub.endAsync();
    db.close();

    // 2. Fleet: one change published by the admin, applied by a controller.
    const pair = generateAdminKeyPair();
    const key = createPrivateKey(pair.privatePem);
    const group = `bench-${process.pid}`;
    const adminDb = openDatabase(join(dir, "admin.db"));
    const users = new UserStore(adminDb);
    const hasher = new CredentialHasher(Buffer.alloc(32, 1));
    const doorDb = openDatabase(join(dir, "fleet-door.db"));
    const fleetAudit = new AuditLog(doorDb, `${door}-f`);
    const fleetDoor = new MqttBridge({
      settings: parseSettings({
        door_id: `${door}-f`,
        mqtt: { enabled: true, url: broker.url, group, admin_public_key: pair.publicPem },
      }),
      db: doorDb,
      audit: fleetAudit,
      door: idleDoor,
      clock: systemClock,
      logger,
      credentialKey: Buffer.alloc(32, 1),
      commands: new DoorCommands(fleetAudit, systemClock, new Map()),
    });
    fleetDoor.start();
    const admin = await mqtt.connectAsync(broker.url, { protocolVersion: 4 });
    while (!fleetDoor.isConnected()) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 100));
    const samples: number[] = [];
    for (let i = 0; i < (opts.fleetSamples ?? 20); i++) {
      const u = users.add(`person ${i}`, 0);
      users.setCredential(u.id, "pin", hasher.hash("pin", String(100000 + i)), 0);
      adminDb.prepare("INSERT INTO fleet_group_members (group_name, user_id) VALUES (?, ?)").run(group, u.id);
      const start = performance.now();
      const r = await publishFleetAllowlist({
        db: adminDb,
        kv: new KeyValueStore(adminDb),
        client: admin,
        group,
        fleetPrefix: "doorward/fleet",
        privateKey: key,
        nowMs: Date.now(),
      });
      while (fleetDoor.allowlistVersion() < r.version) await new Promise((res) => setImmediate(res));
      samples.push(performance.now() - start);
    }
    await admin.publishAsync(`doorward/fleet/${group}/allowlist`, "", { qos: 1, retain: true });
    await admin.endAsync();
    await fleetDoor.stop();
    adminDb.close();
    doorDb.close();
    samples.sort((a, b) => a - b);
    return {
      broker: broker.name,
      backlog_events: events,
      drain_ms: Math.round(drainMs),
      drain_events_per_s: Math.round(events / (drainMs / 1000)),
      subscriber_received_distinct: seen.size,
      fleet_publish_to_apply_ms: {
        median: Number((samples[Math.floor(samples.length / 2)] ?? 0).toFixed(2)),
        max: Number((samples.at(-1) ?? 0).toFixed(2)),
        samples: samples.length,
      },
    };
  } finally {
    await broker.stop();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  const figures = await benchMqttDrain();
  console.log(JSON.stringify(figures, null, 2));
  process.exit(0);
}
