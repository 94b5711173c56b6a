import type { MqttClient } from "mqtt";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import type { HubService } from "../../src/hub/hub-service.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";
import { countRows, doorClient, hubSettings, publishEvents, startHub, waitForRows } from "./hub-harness.js";
import { hubStoreFactories } from "./hub-stores.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-03-03T08:00:00Z");

describe.each(hubStoreFactories())("hub ingest over MQTT on $name", (factory) => {
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
  const hub = async (
    settings: ReturnType<typeof hubSettings>,
    extra = {},
    onBatch?: Parameters<HubService["onBatch"]>[0],
  ): Promise<HubService> => {
    const h = await startHub(broker, store, settings, extra, onBatch);
    cleanups.push(() => h.stop());
    return h;
  };

  it("stores each event once however often it arrives", async () => {
    const prefix = uniqueId("site");
    await hub(hubSettings(prefix));
    const d = new LightDoor(uniqueId("door"));
    for (let i = 0; i < 50; i++) d.append(T0 + i);
    const seqs = Array.from({ length: 50 }, (_, i) => i + 1);
    await publishEvents(client, prefix, d, [...seqs, ...seqs.slice(10, 20), ...seqs.slice(40)]);
    await waitForRows(store, d.door, 50);
    await publishEvents(client, prefix, d, seqs); // a door's re-send
    const alerts = await subscriber(broker.url, [`${prefix}-hub/alert`]);
    cleanups.push(alerts.end);
    await publishEvents(client, prefix, d, [50]);
    await new Promise((r) => setTimeout(r, 300));
    expect(await countRows(store, d.door)).toBe(50);
    const [door] = await store.query("SELECT chain_state, last_seq FROM hub_doors WHERE door = $1", [d.door]);
    expect(door).toEqual({ chain_state: "ok", last_seq: 50 });
  });

  it("acknowledges only after the commit: a hub killed before committing loses nothing, the broker redelivers", async () => {
    const prefix = uniqueId("site");
    const settings = hubSettings(prefix);
    // A first hub whose database never commits: it receives everything, then dies.
    let received = 0;
    const stuck: HubStore = {
      ...store,
      transaction: async () => {
        received++;
        return new Promise(() => {});
      },
    };
    const first = await startHub(broker, stuck, settings);
    const d = new LightDoor(uniqueId("door"));
    for (let i = 0; i < 20; i++) d.append(T0 + i);
    await publishEvents(
      client,
      prefix,
      d,
      d.events.map((e) => e.seq),
    );
    await waitUntil(() => received > 0);
    first.kill();
    expect(await countRows(store, d.door)).toBe(0);
    // The same session comes back with a working database: every event is redelivered and stored.
    await hub(settings);
    await waitForRows(store, d.door, 20);
    expect(await countRows(store, d.door)).toBe(20);
  });

  it("a hub killed after the commit but before its acks gets the batch again and stores no second row", async () => {
    const prefix = uniqueId("site");
    const settings = hubSettings(prefix);
    let first: HubService | null = null;
    let commits = 0;
    first = await startHub(broker, store, settings, {
      beforeAck: async () => {
        commits++;
        first?.kill();
        await new Promise(() => {});
      },
    });
    const d = new LightDoor(uniqueId("door"));
    for (let i = 0; i < 10; i++) d.append(T0 + i);
    await publishEvents(
      client,
      prefix,
      d,
      d.events.map((e) => e.seq),
    );
    await waitUntil(() => commits > 0);
    const afterFirst = await countRows(store, d.door);
    expect(afterFirst).toBeGreaterThan(0);
    let duplicates = 0;
    await hub(settings, {}, (r) => {
      duplicates += r.duplicates;
    });
    await waitForRows(store, d.door, 10);
    await waitUntil(() => duplicates >= afterFirst);
    expect(await countRows(store, d.door)).toBe(10);
  });

  it("a gap asks the door to re-send on P/resend and raises an alert on the alert topic", async () => {
    const prefix = uniqueId("site");
    await hub(hubSettings(prefix));
    const d = new LightDoor(uniqueId("door"));
    for (let i = 0; i < 5; i++) d.append(T0 + i);
    const watch = await subscriber(broker.url, [`${prefix}/${d.door}/resend`, `${prefix}-hub/alert`]);
    cleanups.push(watch.end);
    await publishEvents(client, prefix, d, [1, 2, 5]);
    await watch.waitFor(
      (m) =>
        m.some((x) => x.topic.endsWith("/resend")) &&
        m.some((x) => x.topic.endsWith("/alert") && x.text.includes('"gap"')),
    );
    const resend = watch.messages.find((m) => m.topic.endsWith("/resend"));
    expect(JSON.parse(resend?.text ?? "")).toEqual({ type: "resend", from_seq: 3 });
    const gap = watch.messages.map((m) => JSON.parse(m.text)).find((a) => a.kind === "gap");
    expect(gap).toMatchObject({ door: d.door, seq: 3, detail: { missing_from: 3, missing_to: 4 } });
    const [stored] = await store.query("SELECT kind, seq FROM hub_alerts WHERE door = $1 AND kind = 'gap'", [
      d.door,
    ]);
    expect(stored).toEqual({ kind: "gap", seq: 3 });
  });

  it("garbage and events whose hash does not match their fields are refused and alerted, never stored", async () => {
    const prefix = uniqueId("site");
    await hub(hubSettings(prefix));
    const d = new LightDoor(uniqueId("door"));
    d.append(T0);
    const forged = JSON.parse(d.payload(d.events[0] as never));
    forged.reason = "granted_by_forger";
    await client.publishAsync(`${prefix}/${d.door}/event`, "\u0000\u00ffnot json", { qos: 1 });
    await client.publishAsync(`${prefix}/${d.door}/event`, JSON.stringify(forged), { qos: 1 });
    let kinds: string[] = [];
    for (let i = 0; i < 100 && kinds.length < 2; i++) {
      kinds = (
        await store.query<{ kind: string }>("SELECT kind FROM hub_alerts WHERE door = $1 ORDER BY id", [
          d.door,
        ])
      ).map((r) => r.kind);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(kinds).toEqual(["malformed", "bad_hash"]);
    expect(await countRows(store, d.door)).toBe(0);
  });
});
