import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseEventPayload } from "../../src/hub/event-payload.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import {
  CuttableLink,
  type Received,
  startTestBroker,
  subscriber,
  type TestBroker,
  uniqueId,
  waitUntil,
} from "../helpers/mqtt-broker.js";

/** Seqs of `event` messages in arrival order, first copy of each (consumers de-duplicate by seq). */
function firstSeqs(messages: Received[], topic: string): number[] {
  const seen = new Set<number>();
  const out: number[] = [];
  for (const m of messages) {
    if (m.topic !== topic) continue;
    const seq = (JSON.parse(m.text) as { seq: number }).seq;
    if (!seen.has(seq)) out.push(seq);
    seen.add(seq);
  }
  return out;
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe("event outbox over MQTT", () => {
  let broker: TestBroker;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await broker.close();
  });

  async function controller(url: string, doorId: string, dataDir = tempDir()): Promise<Harness> {
    const h = await startHarness({
      door_id: doorId,
      data_dir: dataDir,
      mqtt: { enabled: true, url, max_in_flight: 20 },
    });
    cleanups.push(() => h.app.stop());
    return h;
  }

  it("publishes every audit row in order with the documented payload, and no name or PIN", async () => {
    const door = uniqueId("door");
    const sub = await subscriber(broker.url, [`doorward/${door}/event`]);
    cleanups.push(sub.end);
    const h = await controller(broker.url, door);
    h.addUserWithPin("Alice Example", "4711");
    await h.type("4711#");
    const last = h.app.services.audit.last()?.seq ?? 0;
    await h.app.services.mqtt?.waitForPublished(last);
    await sub.waitFor((m) => firstSeqs(m, `doorward/${door}/event`).length >= last);
    expect(firstSeqs(sub.messages, `doorward/${door}/event`)).toEqual(range(1, last));
    const granted = sub.messages.map((m) => JSON.parse(m.text)).find((e) => e.outcome === "granted");
    expect(Object.keys(granted).sort()).toEqual(
      [
        "credential",
        "detail",
        "door",
        "kind",
        "outcome",
        "reason",
        "seq",
        "ts",
        "user_code",
        "prev_hash",
        "hash",
      ].sort(),
    );
    // The chain hashes let any subscriber (the audit hub) check the chain: each row's hash is
    // the door's own and links to the previous row's.
    const events = sub.messages
      .filter((m) => m.topic === `doorward/${door}/event`)
      .map((m) => JSON.parse(m.text));
    for (const m of sub.messages.filter((m) => m.topic === `doorward/${door}/event`))
      expect(parseEventPayload(m.text)).toMatchObject({ ok: true });
    const bySeq = new Map(events.map((e) => [e.seq, e]));
    expect(granted.prev_hash).toBe(bySeq.get(granted.seq - 1)?.hash);
    expect(granted).toMatchObject({
      door,
      kind: "access",
      credential: "pin",
      reason: "granted",
      ts: expect.stringMatching(/Z$/),
    });
    expect(granted.user_code).toMatch(/^u-/);
    expect(sub.messages.map((m) => m.text).join()).not.toMatch(/Alice|4711/);
  });

  it("keeps events through a broker outage without blocking the door, then drains them in order", async () => {
    const door = uniqueId("door");
    const link = await CuttableLink.open(broker.url);
    cleanups.push(() => link.cut());
    const sub = await subscriber(broker.url, [`doorward/${door}/event`]);
    cleanups.push(sub.end);
    const h = await controller(link.url, door);
    const { audit, mqtt } = h.app.services;
    await waitUntil(() => mqtt?.isConnected() === true);
    for (let i = 0; i < 30; i++) audit.append({ kind: "system", reason: "before_outage" }, h.clock.now());
    await mqtt?.waitForPublished(audit.last()?.seq ?? 0);

    await link.cut();
    await waitUntil(() => mqtt?.isConnected() === false);
    for (let i = 0; i < 200; i++) audit.append({ kind: "system", reason: "during_outage" }, h.clock.now());
    // The door still works with the broker gone.
    h.addUserWithPin("Bob", "2580");
    await h.type("2580#");
    expect(h.sim.door.boltReleased).toBe(true);
    const last = audit.last()?.seq ?? 0;
    expect(mqtt?.publishedSeq()).toBeLessThan(last);

    await link.restore();
    await mqtt?.waitForPublished(last, 15_000);
    await sub.waitFor((m) => firstSeqs(m, `doorward/${door}/event`).length >= last);
    expect(firstSeqs(sub.messages, `doorward/${door}/event`)).toEqual(range(1, last));
  });

  it("resumes after a restart from the saved cursor: nothing lost, order kept", async () => {
    const door = uniqueId("door");
    const dataDir = tempDir();
    const sub = await subscriber(broker.url, [`doorward/${door}/event`]);
    cleanups.push(sub.end);
    const first = await controller("mqtt://127.0.0.1:1", door, dataDir); // broker unreachable
    for (let i = 0; i < 100; i++)
      first.app.services.audit.append({ kind: "system", reason: "queued" }, first.clock.now());
    await first.app.stop();

    const second = await controller(broker.url, door, dataDir);
    const last = second.app.services.audit.last()?.seq ?? 0;
    expect(last).toBeGreaterThan(100);
    await second.app.services.mqtt?.waitForPublished(last);
    await sub.waitFor((m) => firstSeqs(m, `doorward/${door}/event`).length >= last);
    expect(firstSeqs(sub.messages, `doorward/${door}/event`)).toEqual(range(1, last));
  });
});
