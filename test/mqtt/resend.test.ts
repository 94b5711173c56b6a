import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parseEventPayload } from "../../src/hub/event-payload.js";
import type { EventPayload } from "../../src/mqtt/event-outbox.js";
import { ResendResponder } from "../../src/mqtt/resend-responder.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { startHarness } from "../helpers/harness.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";

const event = (seq: number) => ({ seq }) as EventPayload;

describe("P/resend responder", () => {
  const rows = Array.from({ length: 250 }, (_, i) => event(i + 1));
  const outbox = {
    next: (after: number, limit: number) => rows.filter((r) => r.seq > after).slice(0, limit),
  };

  function responder(now: { ms: number }, publish = async (_e: EventPayload) => {}) {
    const sent: number[] = [];
    const r = new ResendResponder({
      outbox,
      publish: async (e) => {
        sent.push(e.seq);
        await publish(e);
      },
      now: () => now.ms,
      log: captureLogger().logger,
    });
    return { r, sent };
  }
  const ask = (from: unknown) => Buffer.from(JSON.stringify({ type: "resend", from_seq: from }));

  it("re-publishes what the door holds from the seq asked, in order", async () => {
    const { r, sent } = responder({ ms: 0 });
    expect(await r.handle(ask(240), false)).toEqual({ resent: 11, from: 240 });
    expect(sent).toEqual([240, 241, 242, 243, 244, 245, 246, 247, 248, 249, 250]);
  });

  it("ignores retained, malformed and too frequent requests, and a second one while the first runs", async () => {
    const now = { ms: 0 };
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { r, sent } = responder(now, () => gate);
    expect(await r.handle(ask(1), true)).toEqual({ ignored: "retained" });
    expect(await r.handle(Buffer.from("{not json"), false)).toEqual({ ignored: "malformed" });
    expect(await r.handle(ask(0), false)).toEqual({ ignored: "malformed" });
    expect(await r.handle(Buffer.from('{"type":"resend","from_seq":1,"x":1}'), false)).toEqual({
      ignored: "malformed",
    });
    const first = r.handle(ask(1), false);
    now.ms = 20_000;
    expect(await r.handle(ask(1), false)).toEqual({ ignored: "in_flight" });
    release();
    expect(await first).toEqual({ resent: 250, from: 1 });
    now.ms = 25_000; // over 10 s since the first started: allowed
    expect(await r.handle(ask(1), false)).toEqual({ resent: 250, from: 1 });
    now.ms = 26_000; // 1 s after the last: throttled
    expect(await r.handle(ask(1), false)).toEqual({ ignored: "throttled" });
    expect(sent.length).toBe(500);
  });

  describe("through the broker, on the real door", () => {
    let broker: TestBroker;
    beforeEach(async () => {
      broker = await startTestBroker();
    });
    afterEach(async () => broker.close());

    it("a door re-publishes its events with their hashes when asked on P/resend", async () => {
      const door = uniqueId("door");
      const h = await startHarness({ door_id: door, mqtt: { enabled: true, url: broker.url } });
      try {
        h.addUserWithPin("Alice Example", "4711");
        await h.type("4711#");
        await h.type("9999#");
        const last = h.app.services.audit.last()?.seq ?? 0;
        await h.app.services.mqtt?.waitForPublished(last);
        const sub = await subscriber(broker.url, [`doorward/${door}/event`]);
        try {
          await sub.client.publishAsync(
            `doorward/${door}/resend`,
            JSON.stringify({ type: "resend", from_seq: 2 }),
            {
              qos: 1,
            },
          );
          await waitUntil(() => sub.messages.length >= last - 1);
          const seqs = sub.messages.map((m) => JSON.parse(m.text).seq);
          expect(seqs).toEqual(Array.from({ length: last - 1 }, (_, i) => i + 2));
          for (const m of sub.messages) expect(parseEventPayload(m.text)).toMatchObject({ ok: true });
          // The outbox cursor is not the resend's business.
          expect(h.app.services.mqtt?.publishedSeq()).toBe(last);
        } finally {
          await sub.end();
        }
      } finally {
        await h.app.stop();
      }
    });
  });
});
