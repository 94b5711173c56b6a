import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { HEAD_EVERY_EVENTS, HEAD_EVERY_MS, HeadPublisher } from "../../src/mqtt/head-publisher.js";
import { verifyEnvelope } from "../../src/mqtt/signed-envelope.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import {
  type Received,
  startTestBroker,
  subscriber,
  type TestBroker,
  uniqueId,
} from "../helpers/mqtt-broker.js";

// Issue 10 item 7 over MQTT: `P/head`, retained, QoS 1, signed with the device key
// (/work/brief/HEAD-FORMAT.md, docs/mqtt.md).
describe("P/head", () => {
  let broker: TestBroker;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await broker.close();
  });

  async function controller(door: string): Promise<Harness> {
    const h = await startHarness({
      door_id: door,
      data_dir: tempDir(),
      mqtt: { enabled: true, url: broker.url },
    });
    cleanups.push(() => h.app.stop());
    return h;
  }

  const heads = (messages: Received[], topic: string) =>
    messages.filter((m) => m.topic === topic).map((m) => ({ retain: m.retain, text: m.text }));

  function body(h: Harness, text: string) {
    const key = createPublicKey(readFileSync(join(h.settings.data_dir, "device.key"), "utf8"));
    const v = verifyEnvelope(text, key);
    expect(v.ok).toBe(true);
    return (v.ok ? v.body : null) as { type: string; door: string; seq: number; hash: string; ts: string };
  }

  it("on connect, after every 100 events, and each minute while there are new rows; retained and signed", async () => {
    const door = uniqueId("door");
    const topic = `doorward/${door}/head`;
    const h = await controller(door);
    const { audit, mqtt } = h.app.services;
    await mqtt?.waitForPublished(audit.last()?.seq ?? 0);
    // A subscriber arriving later gets the retained head at once.
    const late = await subscriber(broker.url, [topic]);
    cleanups.push(late.end);
    await late.waitFor((m) => heads(m, topic).length >= 1);
    const first = heads(late.messages, topic)[0];
    expect(first?.retain).toBe(true);
    const firstBody = body(h, first?.text ?? "");
    expect(firstBody).toMatchObject({
      type: "head",
      door,
      seq: expect.any(Number),
      hash: expect.any(String),
    });
    expect(audit.tail(1000).find((r) => r.seq === firstBody.seq)?.hash).toBe(firstBody.hash);

    // 100 new rows: a new head without waiting for the minute.
    for (let i = 0; i < HEAD_EVERY_EVENTS; i++)
      audit.append({ kind: "system", reason: "recovered" }, h.clock.now());
    await late.waitFor((m) => heads(m, topic).length >= 2);
    const second = body(h, heads(late.messages, topic)[1]?.text ?? "");
    expect(second.seq).toBeGreaterThanOrEqual(firstBody.seq + HEAD_EVERY_EVENTS);

    // One more row: nothing until the minute passes; then the head names it.
    const one = audit.append({ kind: "system", reason: "recovered" }, h.clock.now());
    await h.clock.advance(HEAD_EVERY_MS);
    await late.waitFor((m) => heads(m, topic).some((x) => body(h, x.text).seq === one.seq));
    expect(body(h, heads(late.messages, topic).at(-1)?.text ?? "").hash).toBe(one.hash);
  }, 30_000);
});

describe("HeadPublisher timing", () => {
  it("publishes each minute only while there are new rows, and again on reconnect", async () => {
    const h = await startHarness();
    try {
      const published: number[] = [];
      const publisher = new HeadPublisher({
        db: h.app.services.db,
        door: "d",
        key: generateKeyPairSync("ed25519").privateKey,
        clock: h.clock,
        publish: (payload) => {
          published.push((JSON.parse(JSON.parse(payload).body) as { seq: number }).seq);
          return true;
        },
      });
      publisher.start();
      const newest = () => h.app.services.audit.last()?.seq ?? 0;
      await h.clock.advance(HEAD_EVERY_MS);
      expect(published).toEqual([newest()]);
      await h.clock.advance(HEAD_EVERY_MS * 3); // nothing new: nothing published
      expect(published).toEqual([newest()]);
      await h.type("9999#");
      await h.clock.advance(HEAD_EVERY_MS);
      expect(published.at(-1)).toBe(newest());
      expect(published).toHaveLength(2);
      publisher.connected();
      expect(published).toHaveLength(3);
      publisher.stop();
    } finally {
      await h.app.stop();
    }
  });
});
