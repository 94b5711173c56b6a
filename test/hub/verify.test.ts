import { afterEach, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import { eventHash } from "../../src/hub/event-payload.js";
import { verifyChains } from "../../src/hub/hub-queries.js";
import { ingestBatch } from "../../src/hub/ingest.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { verifyOnWorkers } from "../../src/hub/verify-workers.js";
import { hubStoreFactories } from "./hub-stores.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-03-03T08:00:00Z");

describe.each(hubStoreFactories())("hub verify on $name", (factory) => {
  let store: HubStore;
  afterEach(async () => store?.close());

  it("names each chain's first bad seq, whatever order the rows are stored in", async () => {
    store = await factory.open();
    const doors = ["intact", "missing", "unlinked", "altered", "doubled"].map((id) => {
      const d = new LightDoor(id);
      for (let i = 0; i < 30; i++) d.append(T0 + i * 1000);
      return d;
    });
    // Stored out of order: newest batch first, so the table's order is not the chains' order.
    for (const from of [20, 10, 0])
      await store.transaction((tx) =>
        ingestBatch(
          tx,
          doors.flatMap((d) =>
            d.events.slice(from, from + 10).map((event) => ({ event, prefix: `doorward/${d.door}` })),
          ),
          T0 + 3_600_000,
        ),
      );
    // What someone with database access does:
    await store.query("DELETE FROM hub_events WHERE chain = 'missing' AND seq IN (12, 13)");
    const unlinked = doors[2]?.events[19];
    if (!unlinked) throw new Error("no row");
    const forged = { ...unlinked, prevHash: "ab".repeat(32) };
    await store.query(
      "UPDATE hub_events SET prev_hash = $1, hash = $2 WHERE chain = 'unlinked' AND seq = 20",
      [forged.prevHash, eventHash(forged)],
    );
    await store.query("UPDATE hub_events SET reason = 'nothing' WHERE chain = 'altered' AND seq IN (7, 25)");
    await store.query(
      `INSERT INTO hub_events (chain, door, seq, ts, kind, reason, prev_hash, hash)
       SELECT chain, door, seq, ts + interval '1 second', kind, 'again', prev_hash, hash FROM hub_events
       WHERE chain = 'doubled' AND seq = 16`,
    );
    expect(await verifyChains(store)).toEqual([
      {
        door: "altered",
        ok: false,
        checked: 6,
        firstBad: { seq: 7, problem: "altered (hash does not match its fields)" },
      },
      {
        door: "doubled",
        ok: false,
        checked: 15,
        firstBad: { seq: 16, problem: "two different rows under one seq" },
      },
      { door: "intact", ok: true, checked: 30 },
      {
        door: "missing",
        ok: false,
        checked: 11,
        firstBad: { seq: 12, problem: "missing (next held is 14)" },
      },
      {
        door: "unlinked",
        ok: false,
        checked: 19,
        firstBad: { seq: 20, problem: "does not link to the previous row" },
      },
    ]);
    expect(await verifyChains(store, "missing")).toHaveLength(1);
    // PostgreSQL with millions of rows: the same walk on worker threads, each with its own connection.
    if (store.connection) {
      const chains = await store.query<Parameters<typeof verifyOnWorkers>[1][number]>(
        "SELECT door, checkpoint_seq, checkpoint_hash, last_seq FROM hub_doors ORDER BY door",
      );
      expect(await verifyOnWorkers(store.connection, chains)).toEqual(await verifyChains(store));
    }
  });
});
