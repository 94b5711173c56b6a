import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import { checkHead } from "../../src/hub/head-check.js";
import { enrolDoor, verifyChains } from "../../src/hub/hub-queries.js";
import { purgeHub } from "../../src/hub/hub-retention.js";
import { ingestBatch } from "../../src/hub/ingest.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { hubStoreFactories } from "./hub-stores.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-01-10T08:00:00Z");
const DAY = 86_400_000;

describe.each(hubStoreFactories())("signed heads and retention on $name", (factory) => {
  let store: HubStore;
  afterEach(async () => store?.close());
  const keys = generateKeyPairSync("ed25519");
  const pem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
  const ingest = (d: LightDoor, seqs: number[], now = T0) =>
    store.transaction((tx) =>
      ingestBatch(
        tx,
        seqs.map((s) => ({ event: d.events[s - 1] as never, prefix: `doorward/${d.door}` })),
        now,
      ),
    );
  const head = (d: LightDoor, raw: string) =>
    store.transaction((tx) => checkHead(tx, `doorward/${d.door}`, Buffer.from(raw), T0));

  it("a head signed by the enrolled key that disagrees with a stored row is a fork at its seq", async () => {
    store = await factory.open();
    const d = new LightDoor("vault", keys.privateKey);
    for (let i = 0; i < 8; i++) d.append(T0 + i * 1000);
    await enrolDoor(store, "vault", pem, "doorward/vault");
    await ingest(d, [1, 2, 3, 4, 5, 6, 7, 8]);
    expect((await head(d, d.head(T0))).alerts).toEqual([]);
    // The SD card's tail is rewritten and the door publishes a fresh head for it.
    d.rewriteFrom(5);
    const r = await head(d, d.head(T0 + 5000));
    expect(r.alerts.map((a) => [a.kind, a.seq])).toEqual([["fork", 8]]);
    expect(r.resends).toEqual([{ door: "vault", prefix: "doorward/vault", fromSeq: 1 }]);
    const [row] = await store.query(
      "SELECT chain_state, state_seq, head_verified FROM hub_doors WHERE door = 'vault'",
    );
    expect(row).toEqual({ chain_state: "fork", state_seq: 8, head_verified: true });
  });

  it("a head older than the last one is a rewind; a head with a wrong signature is refused", async () => {
    store = await factory.open();
    const d = new LightDoor("lab", keys.privateKey);
    for (let i = 0; i < 4; i++) d.append(T0 + i * 1000);
    await enrolDoor(store, "lab", pem, "doorward/lab");
    await ingest(d, [1, 2, 3, 4]);
    await head(d, d.head(T0, 4));
    const back = await head(d, d.head(T0, 2));
    expect(back.alerts.map((a) => [a.kind, a.seq])).toEqual([["rewind", 2]]);
    const other = new LightDoor("lab", generateKeyPairSync("ed25519").privateKey);
    other.append(T0);
    const forged = await head(d, other.head(T0));
    expect(forged.alerts).toEqual([
      { door: "lab", kind: "bad_head_signature", seq: null, detail: { reason: "bad_signature" } },
    ]);
    const unsigned = await head(d, JSON.stringify({ body: JSON.parse(d.head(T0)).body }));
    expect(unsigned.alerts[0]?.detail).toEqual({ reason: "unsigned" });
  });

  it("a door first seen through its head is pending, its head kept unverified", async () => {
    store = await factory.open();
    const d = new LightDoor("new-door", keys.privateKey);
    d.append(T0);
    const r = await head(d, d.head(T0));
    expect(r.alerts.map((a) => a.kind)).toEqual(["new_door"]);
    const [row] = await store.query(
      "SELECT status, head_seq, head_verified FROM hub_doors WHERE door = 'new-door'",
    );
    expect(row).toEqual({ status: "pending", head_seq: 1, head_verified: false });
  });

  it("retention drops whole old months and the chain still verifies from the checkpoint, and new events still link to it", async () => {
    store = await factory.open();
    const d = new LightDoor("archive");
    // January, February, March: ten events a month.
    for (const month of [0, 31, 59]) for (let i = 0; i < 10; i++) d.append(T0 + (month + i) * DAY);
    await ingest(
      d,
      d.events.map((e) => e.seq),
    );
    const now = Date.parse("2026-04-20T00:00:00Z");
    const r = await purgeHub(store, 60, now); // cutoff 2026-02-19: January and nothing else ends before February
    expect(r.droppedMonths).toEqual(["2026-01"]);
    expect(r.checkpoints).toEqual([{ door: "archive", seq: 10 }]);
    expect(await verifyChains(store, "archive")).toEqual([{ door: "archive", ok: true, checked: 20 }]);
    // The next event links to the purged checkpoint row: no fork, no gap.
    d.append(Date.parse("2026-04-01T00:00:00Z"));
    expect((await ingest(d, [31], now)).alerts).toEqual([]);
    expect((await purgeHub(store, 60, now)).droppedMonths).toEqual([]);
    const parts = await store.query<{ n: number }>(
      "SELECT count(*)::bigint AS n FROM pg_inherits WHERE inhparent = 'hub_events'::regclass",
    );
    expect(parts[0]?.n).toBe(3);
  });
});
