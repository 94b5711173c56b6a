import { generateKeyPairSync } from "node:crypto";
import type { MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import { enrolDoor } from "../../src/hub/hub-queries.js";
import type { BatchReport } from "../../src/hub/hub-service.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";
import { doorClient, hubSettings, publishEvents, startHub } from "./hub-harness.js";
import { hubStoreFactories } from "./hub-stores.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-06-01T08:00:00Z");

describe.each(hubStoreFactories())("heads through the hub's batches on $name", (factory) => {
  let broker: TestBroker;
  let store: HubStore;
  let client: MqttClient;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    broker = await startTestBroker();
    store = await factory.open();
    client = await doorClient(broker.url);
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await client.endAsync(true);
    await store.close();
    await broker.close();
  });

  it("heads arriving with events: checked after the batch's rows, each alert stored and published once, a head ahead of its rows asks for them", async () => {
    const prefix = uniqueId("site");
    const keys = generateKeyPairSync("ed25519");
    const pem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
    const a = new LightDoor(uniqueId("door-a"), keys.privateKey);
    const b = new LightDoor(uniqueId("door-b"), keys.privateKey);
    const forger = new LightDoor(b.door, generateKeyPairSync("ed25519").privateKey);
    for (let i = 0; i < 6; i++) a.append(T0 + i * 1000);
    for (let i = 0; i < 4; i++) {
      b.append(T0 + i * 1000);
      forger.append(T0 + i * 1000);
    }
    for (const d of [a, b]) await enrolDoor(store, d.door, pem, `${prefix}/${d.door}`);
    const reports: BatchReport[] = [];
    // A wide batch window: the events and heads below land in one batch (or in order in a few).
    const hub = await startHub(broker, store, hubSettings(prefix, { batch_ms: 300 }), {}, (r) =>
      reports.push(r),
    );
    cleanups.push(() => hub.stop());
    const watch = await subscriber(broker.url, [`${prefix}/${a.door}/resend`, `${prefix}-hub/alert`]);
    cleanups.push(watch.end);
    const head = (d: LightDoor, raw: string) =>
      client.publishAsync(`${prefix}/${d.door}/head`, raw, { qos: 1, retain: true });

    await publishEvents(client, prefix, a, [1, 2, 3, 4]);
    await head(a, a.head(T0, 4)); // with its rows: nothing to ask
    await publishEvents(client, prefix, b, [1, 2, 3, 4]);
    await head(b, forger.head(T0)); // signed with another key
    await head(a, a.head(T0 + 6000, 6)); // ahead of the rows the hub holds

    await watch.waitFor(
      (m) =>
        m.some((x) => x.topic.endsWith("/resend")) &&
        m.some((x) => x.topic.endsWith("/alert") && x.text.includes("bad_head_signature")),
    );
    await waitUntil(() => reports.reduce((n, r) => n + r.stored, 0) >= 8);
    const resends = watch.messages.filter((m) => m.topic.endsWith("/resend")).map((m) => JSON.parse(m.text));
    expect(resends).toEqual([{ type: "resend", from_seq: 5 }]);
    const alerts = await store.query("SELECT door, kind, detail FROM hub_alerts ORDER BY id");
    expect(alerts).toEqual([
      { door: b.door, kind: "bad_head_signature", detail: '{"reason":"bad_signature"}' },
    ]);
    const published = watch.messages.filter((m) => m.topic.endsWith("/alert")).map((m) => JSON.parse(m.text));
    expect(published).toMatchObject([{ door: b.door, kind: "bad_head_signature" }]);
    const doors = await store.query(
      "SELECT door, head_seq, head_verified, chain_state FROM hub_doors ORDER BY door = $1 DESC",
      [a.door],
    );
    expect(doors).toEqual([
      { door: a.door, head_seq: 6, head_verified: true, chain_state: "ok" },
      { door: b.door, head_seq: null, head_verified: false, chain_state: "ok" },
    ]);
  });
});
