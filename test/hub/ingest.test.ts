import { afterEach, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import type { HubEvent } from "../../src/hub/event-payload.js";
import { type IncomingEvent, ingestBatch } from "../../src/hub/ingest.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { hubStoreFactories } from "./hub-stores.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-03-03T08:00:00Z");
const NOW = T0 + 3_600_000;

describe.each(hubStoreFactories())("hub ingest on $name", (factory) => {
  let store: HubStore;
  afterEach(async () => store?.close());

  const feed = (door: LightDoor, seqs: number[]): IncomingEvent[] =>
    seqs.map((s) => ({ event: door.events[s - 1] as HubEvent, prefix: `doorward/${door.door}` }));
  const ingest = (batch: IncomingEvent[]) => store.transaction((tx) => ingestBatch(tx, batch, NOW));
  const rows = async (door: string) =>
    (
      await store.query<{ seq: number }>("SELECT seq FROM hub_events WHERE door = $1 ORDER BY seq", [door])
    ).map((r) => r.seq);
  const doorRow = async (door: string) =>
    (
      await store.query<{ chain_state: string; state_seq: number | null; last_seq: number }>(
        "SELECT chain_state, state_seq, last_seq FROM hub_doors WHERE door = $1",
        [door],
      )
    )[0];

  it("stores one row per (door, seq): duplicates in a batch, across batches and re-sends make no second row", async () => {
    store = await factory.open();
    const d = new LightDoor("records-room");
    for (let i = 0; i < 5; i++) d.append(T0 + i * 1000);
    const first = await ingest(feed(d, [1, 2, 3, 3, 2]));
    expect(first.stored).toBe(3);
    const again = await ingest(feed(d, [1, 2, 3, 4, 5]));
    expect(again.stored).toBe(2);
    expect(again.duplicates).toBe(3);
    expect(await rows("records-room")).toEqual([1, 2, 3, 4, 5]);
    const door = await doorRow("records-room");
    expect(door).toMatchObject({ chain_state: "ok", last_seq: 5 });
    expect(first.alerts.map((a) => a.kind)).toEqual(["new_door"]);
    expect(again.alerts).toEqual([]);
  });

  it("a missing seq is a gap: alerted, a re-send asked from the first missing seq, closed when it arrives", async () => {
    store = await factory.open();
    const d = new LightDoor("archive");
    for (let i = 0; i < 6; i++) d.append(T0 + i * 1000);
    await ingest(feed(d, [1, 2]));
    const r = await ingest(feed(d, [5, 6]));
    expect(r.alerts).toEqual([
      expect.objectContaining({ kind: "gap", seq: 3, detail: { missing_from: 3, missing_to: 4 } }),
    ]);
    expect(r.resends).toEqual([{ door: "archive", prefix: "doorward/archive", fromSeq: 3 }]);
    expect(await doorRow("archive")).toMatchObject({ chain_state: "gap" });
    const filled = await ingest(feed(d, [3, 4]));
    expect(filled.alerts).toEqual([]);
    expect(await doorRow("archive")).toMatchObject({ chain_state: "ok", last_seq: 6 });
  });

  it("a door whose tail was rewritten is flagged fork with the first differing seq", async () => {
    store = await factory.open();
    const d = new LightDoor("vault");
    for (let i = 0; i < 10; i++) d.append(T0 + i * 1000);
    await ingest(feed(d, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    d.rewriteFrom(6);
    d.append(T0 + 20_000);
    // The door goes on after the rewrite: seq 11 links to the rewritten 10.
    const next = await ingest(feed(d, [11]));
    expect(next.alerts.map((a) => [a.kind, a.seq])).toEqual([["fork", 10]]);
    expect(next.resends).toEqual([{ door: "vault", prefix: "doorward/vault", fromSeq: 1 }]);
    // The door answers the re-send: the rows where the versions part show up as forks.
    const resent = await ingest(feed(d, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]));
    expect(resent.alerts.map((a) => [a.kind, a.seq])).toEqual([6, 7, 8, 9, 10].map((s) => ["fork", s]));
    expect(await doorRow("vault")).toMatchObject({ chain_state: "fork", state_seq: 6 });
    // The hub keeps the version it saw first: the evidence.
    const [six] = await store.query<{ reason: string }>(
      "SELECT reason FROM hub_events WHERE door = 'vault' AND seq = 6",
    );
    expect(six?.reason).toBe("granted");
  });

  it("a door writing new events under seqs the hub already holds (restored database) is a rewind", async () => {
    store = await factory.open();
    const d = new LightDoor("lab");
    for (let i = 0; i < 5; i++) d.append(T0 + i * 1000);
    await ingest(feed(d, [1, 2, 3, 4, 5]));
    // Restored from a backup holding 1..3, then new attempts from seq 4 with later times.
    d.events.splice(3);
    d.append(T0 + 60_000);
    const r = await ingest(feed(d, [4]));
    expect(r.alerts.map((a) => [a.kind, a.seq])).toEqual([
      ["fork", 4],
      ["rewind", 4],
    ]);
    expect(await doorRow("lab")).toMatchObject({ chain_state: "rewind", state_seq: 4 });
  });

  it("events of several doors and months go in one batch, each into its month's partition", async () => {
    store = await factory.open();
    const a = new LightDoor("a");
    const b = new LightDoor("b");
    a.append(Date.parse("2026-01-31T23:59:59Z"));
    a.append(Date.parse("2026-02-01T00:00:01Z"));
    b.append(Date.parse("2026-02-15T12:00:00Z"));
    const r = await ingest([...feed(a, [1, 2]), ...feed(b, [1])]);
    expect(r.stored).toBe(3);
    const parts = await store.query<{ p: string; n: number }>(
      "SELECT tableoid::regclass::text AS p, count(*)::bigint AS n FROM hub_events GROUP BY 1 ORDER BY 1",
    );
    expect(parts.map((p) => [p.p.replace(/^.*\./, ""), p.n])).toEqual([
      ["hub_events_2026_01", 1],
      ["hub_events_2026_02", 2],
    ]);
  });
});
