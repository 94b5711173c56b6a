import { generateKeyPairSync } from "node:crypto";
import { afterEach, describe, expect, it, vi } from "vitest";
import { LightDoor } from "../../simulator/light-door.js";
import { checkHead, checkHeads, type HeadCheckResult } from "../../src/hub/head-check.js";
import { enrolDoor } from "../../src/hub/hub-queries.js";
import { ingestBatch } from "../../src/hub/ingest.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { hubStoreFactories } from "./hub-stores.js";

// PostgreSQL in WebAssembly starts in seconds, more on a loaded 2-core machine.
vi.setConfig({ testTimeout: 60_000, hookTimeout: 60_000 });

const T0 = Date.parse("2026-05-04T08:00:00Z");

/** A head as it arrives: the door it came from (its topic) and the envelope. */
type Arrival = [LightDoor, string];

/**
 * The hub checks the heads that arrive together in one batch: every verdict must be the one the
 * heads get checked one at a time, in arrival order, each in its own transaction.
 */
describe.each(hubStoreFactories())("heads checked in one batch on $name", (factory) => {
  let store: HubStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const keys = generateKeyPairSync("ed25519");
  const pem = keys.publicKey.export({ type: "spki", format: "pem" }).toString();
  const topic = (d: LightDoor) => `doorward/${d.door}`;

  /** A fresh store with these doors enrolled and their first `rows` events ingested. */
  async function site(doors: LightDoor[], rows: number, enrolled = doors): Promise<HubStore> {
    await store?.close();
    store = undefined;
    store = await factory.open();
    const s = store;
    for (const d of enrolled) await enrolDoor(s, d.door, pem, topic(d));
    const events = doors.flatMap((d) =>
      d.events.slice(0, rows).map((event) => ({ event, prefix: topic(d) })),
    );
    if (events.length > 0) await s.transaction((tx) => ingestBatch(tx, events, T0));
    return s;
  }

  const inOneBatch = (s: HubStore, heads: Arrival[]) =>
    s.transaction((tx) =>
      checkHeads(
        tx,
        heads.map(([d, raw]) => ({ prefix: topic(d), raw: Buffer.from(raw) })),
        T0 + 60_000,
      ),
    );

  async function oneAtATime(s: HubStore, heads: Arrival[]): Promise<HeadCheckResult> {
    const all: HeadCheckResult = { alerts: [], resends: [] };
    for (const [d, raw] of heads) {
      const r = await s.transaction((tx) => checkHead(tx, topic(d), Buffer.from(raw), T0 + 60_000));
      all.alerts.push(...r.alerts);
      all.resends.push(...r.resends);
    }
    return all;
  }

  /** What the check leaves in the database: the doors' head state and the stored alerts, in order. */
  async function stored(s: HubStore) {
    return {
      doors: await s.query(
        `SELECT door, prefix, status, head_seq, head_hash, head_ts, head_verified, chain_state, state_seq, last_seen
         FROM hub_doors ORDER BY door`,
      ),
      alerts: await s.query("SELECT door, kind, seq, detail FROM hub_alerts ORDER BY id"),
    };
  }

  /** Runs the heads both ways on the same site; returns the batch's verdicts once both agree. */
  async function sameAsOneAtATime(
    setup: () => Promise<HubStore>,
    heads: Arrival[],
  ): Promise<{ result: HeadCheckResult; state: Awaited<ReturnType<typeof stored>> }> {
    const batched = await setup();
    const result = await inOneBatch(batched, heads);
    const state = await stored(batched);
    // The alerts the batch returns are the ones it stored, in the same order.
    expect(state.alerts.map((a) => [a.door, a.kind, a.seq])).toEqual(
      result.alerts.map((a) => [a.door, a.kind, a.seq]),
    );
    const single = await setup();
    expect(await oneAtATime(single, heads)).toEqual(result);
    expect(await stored(single)).toEqual(state);
    return { result, state };
  }

  const doorRow = (state: { doors: Record<string, unknown>[] }, door: string) =>
    state.doors.find((d) => d.door === door);

  it("two heads of one door in one batch: the second is checked against the first (an older one is a rewind)", async () => {
    const d = new LightDoor("lab", keys.privateKey);
    for (let i = 0; i < 4; i++) d.append(T0 + i * 1000);
    const { result, state } = await sameAsOneAtATime(
      () => site([d], 4),
      [
        [d, d.head(T0 + 5000, 4)],
        [d, d.head(T0 + 6000, 2)],
      ],
    );
    expect(result.alerts).toEqual([
      { door: "lab", kind: "rewind", seq: 2, detail: { previous_head_seq: 4, head_seq: 2 } },
    ]);
    expect(result.resends).toEqual([]);
    expect(doorRow(state, "lab")).toMatchObject({
      head_seq: 2,
      head_verified: true,
      chain_state: "rewind",
      state_seq: 2,
    });
  });

  it("two heads of a door not yet enrolled in one batch: one new_door alert, the later head kept unverified", async () => {
    const d = new LightDoor("new-door", keys.privateKey);
    d.append(T0);
    d.append(T0 + 1000);
    const { result, state } = await sameAsOneAtATime(
      () => site([d], 0, []),
      [
        [d, d.head(T0, 1)],
        [d, d.head(T0 + 1000, 2)],
      ],
    );
    expect(result.alerts).toEqual([
      { door: "new-door", kind: "new_door", seq: null, detail: { status: "pending" } },
    ]);
    expect(doorRow(state, "new-door")).toMatchObject({
      prefix: "doorward/new-door",
      status: "pending",
      head_seq: 2,
      head_hash: d.events[1]?.hash,
      head_verified: false,
    });
  });

  it("heads of several doors in one batch, one forged and one contradicting a stored row: only those two raise, the others are verified", async () => {
    const [a, b, c, e] = ["door-a", "door-b", "door-c", "door-e"].map(
      (n) => new LightDoor(n, keys.privateKey),
    );
    const doors = [a, b, c, e] as LightDoor[];
    for (const d of doors) for (let i = 0; i < 6; i++) d.append(T0 + i * 1000);
    const forger = new LightDoor("door-b", generateKeyPairSync("ed25519").privateKey);
    for (let i = 0; i < 6; i++) forger.append(T0 + i * 1000);
    const rewritten = new LightDoor("door-e", keys.privateKey);
    for (let i = 0; i < 6; i++) rewritten.append(T0 + i * 1000);
    rewritten.rewriteFrom(4); // the SD card's tail rewritten: a fresh head for another row 6
    const { result, state } = await sameAsOneAtATime(
      () => site(doors, 6),
      [
        [a as LightDoor, (a as LightDoor).head(T0)],
        [b as LightDoor, forger.head(T0)],
        [c as LightDoor, (c as LightDoor).head(T0)],
        [e as LightDoor, rewritten.head(T0)],
      ],
    );
    expect(result.alerts.map((x) => [x.door, x.kind, x.seq])).toEqual([
      ["door-b", "bad_head_signature", null],
      ["door-e", "fork", 6],
    ]);
    expect(result.resends).toEqual([{ door: "door-e", prefix: "doorward/door-e", fromSeq: 1 }]);
    for (const ok of ["door-a", "door-c"])
      expect(doorRow(state, ok)).toMatchObject({
        head_seq: 6,
        head_verified: true,
        chain_state: "ok",
        last_seen: new Date(T0 + 60_000),
      });
    // The forged head changed nothing of door-b's row (last seen when its events came in).
    expect(doorRow(state, "door-b")).toMatchObject({
      head_seq: null,
      head_verified: false,
      last_seen: new Date(T0),
    });
    expect(doorRow(state, "door-e")).toMatchObject({ head_seq: 6, chain_state: "fork", state_seq: 6 });
  });

  it("a head arriving before its rows asks the door for them; with the rows in, the same head is quiet", async () => {
    const d = new LightDoor("annex", keys.privateKey);
    const other = new LightDoor("porch", keys.privateKey);
    for (let i = 0; i < 6; i++) {
      d.append(T0 + i * 1000);
      other.append(T0 + i * 1000);
    }
    const early: Arrival[] = [
      [d, d.head(T0 + 6000)],
      [other, other.head(T0 + 6000)],
    ];
    const { result, state } = await sameAsOneAtATime(() => site([d, other], 4), early);
    expect(result.alerts).toEqual([]);
    expect(result.resends).toEqual([
      { door: "annex", prefix: "doorward/annex", fromSeq: 5 },
      { door: "porch", prefix: "doorward/porch", fromSeq: 5 },
    ]);
    expect(doorRow(state, "annex")).toMatchObject({ head_seq: 6, head_verified: true, chain_state: "ok" });
    // The resent rows and the head again in one hub batch: the events are stored first, then the head finds them.
    const s = store as HubStore;
    const again = await s.transaction(async (tx) => {
      await ingestBatch(
        tx,
        [d, other].flatMap((x) => x.events.slice(4).map((event) => ({ event, prefix: topic(x) }))),
        T0,
      );
      return checkHeads(
        tx,
        early.map(([x, raw]) => ({ prefix: topic(x), raw: Buffer.from(raw) })),
        T0 + 60_000,
      );
    });
    expect(again).toEqual({ alerts: [], resends: [] });
  });

  it("a head on a topic whose name is taken by a door enrolled under another prefix: each head is pending again, as one at a time", async () => {
    const d = new LightDoor("shed", keys.privateKey);
    d.append(T0);
    d.append(T0 + 1000);
    const setup = async () => {
      const s = await site([], 0, []);
      await enrolDoor(s, "shed", pem, "elsewhere/shed");
      return s;
    };
    const { result, state } = await sameAsOneAtATime(setup, [
      [d, d.head(T0, 1)],
      [d, d.head(T0 + 1000, 2)],
    ]);
    expect(result.alerts.map((a) => a.kind)).toEqual(["new_door", "new_door"]);
    expect(doorRow(state, "shed")).toMatchObject({
      prefix: "elsewhere/shed",
      head_seq: 2,
      head_verified: false,
    });
  });
});
