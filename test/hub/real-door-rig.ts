/**
 * What the hub tests with a real door (simulator, real SQLite file) share: someone holding the SD
 * card rewriting the log's tail, a broker and a hub store per test with cleanups run in reverse,
 * and polling a real process's state (real MQTT and a real database: no fake clock reaches them).
 */
import Database from "better-sqlite3";
import { afterEach, beforeEach } from "vitest";
import { rowHash } from "../../src/audit/audit-log.js";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { startTestBroker, type TestBroker } from "../helpers/mqtt-broker.js";
import type { hubStoreFactories } from "./hub-stores.js";

/** Rewrites rows from `fromSeq` on (reason "nothing_happened") and re-chains every hash after them. */
export function rewriteTail(file: string, fromSeq: number): void {
  const db = new Database(file);
  const rows = db.prepare("SELECT * FROM audit_events WHERE seq >= ? ORDER BY seq").all(fromSeq) as Array<
    Record<string, unknown> & { seq: number; prev_hash: string }
  >;
  let prev = (db.prepare("SELECT hash FROM audit_events WHERE seq = ?").get(fromSeq - 1) as { hash: string })
    .hash;
  const update = db.prepare("UPDATE audit_events SET reason = ?, prev_hash = ?, hash = ? WHERE seq = ?");
  for (const r of rows) {
    const hash = rowHash({ ...r, reason: "nothing_happened", prev_hash: prev } as Parameters<
      typeof rowHash
    >[0]);
    update.run("nothing_happened", prev, hash, r.seq);
    prev = hash;
  }
  db.close();
}

export interface BrokerAndStore {
  broker: TestBroker;
  store: HubStore;
  /** Run after the test, newest first, before the store and the broker close. */
  cleanups: Array<() => Promise<void>>;
}

/** A fresh broker and hub store for each test of the describe block this is called in. */
export function useBrokerAndStore(factory: ReturnType<typeof hubStoreFactories>[number]): BrokerAndStore {
  const rig = { cleanups: [] } as unknown as BrokerAndStore;
  beforeEach(async () => {
    rig.broker = await startTestBroker();
    rig.store = await factory.open();
  });
  afterEach(async () => {
    for (const c of rig.cleanups.splice(0).reverse()) await c().catch(() => {});
    await rig.store.close();
    await rig.broker.close();
  });
  return rig;
}

/** Polls `probe` until `done` holds or `ms` pass; returns the last value for the test to assert. */
export async function waitFor<T>(probe: () => Promise<T>, done: (v: T) => boolean, ms = 20_000): Promise<T> {
  const deadline = Date.now() + ms;
  let v = await probe();
  while (!done(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    v = await probe();
  }
  return v;
}
