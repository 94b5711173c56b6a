import { readFileSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { databasePath } from "../../src/app.js";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { openDatabase } from "../../src/store/open-database.js";
import { WAL_CHECKPOINT_INTERVAL_MS, WalCheckpointer } from "../../src/store/wal-checkpointer.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { walCommits } from "../helpers/wal-commits.js";

/**
 * Issue 15 (p99 of key → relay): a commit that grows the WAL past SQLite's 1,000-page mark must
 * not also copy it into the database file and fsync that before the relay moves. The service
 * checkpoints on a timer, between attempts.
 */
let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const bulk = (n: number): AuditEntry[] =>
  Array.from({ length: n }, (_, i) => ({
    kind: "system",
    reason: "filler",
    detail: { i, pad: "x".repeat(200) },
  }));

describe("WAL checkpoints between attempts, not inside a commit", () => {
  it("a commit that takes the WAL past 1,000 pages leaves the database file alone; the timer then folds it in", async () => {
    h = await startHarness();
    const file = databasePath(h.settings);
    await h.clock.advance(WAL_CHECKPOINT_INTERVAL_MS); // whatever start-up wrote is folded in
    const before = statSync(file).size;
    h.app.services.audit.appendAll(bulk(20_000), h.clock.now()); // ~6 MB: 1,500 pages and more
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(1000 * 4096);
    expect(statSync(file).size).toBe(before);
    await h.clock.advance(WAL_CHECKPOINT_INTERVAL_MS);
    expect(statSync(file).size).toBeGreaterThan(before + 1000 * 4096);
    // The rows were durable before, and are all there after.
    expect(h.app.services.audit.last()?.reason).toBe("filler");
  });

  it("a checkpoint that fails is reported and the timer goes on", async () => {
    const clock = new FakeClock();
    const db = openDatabase(`${tempDir()}/c.db`);
    const errors: unknown[] = [];
    const checkpointer = new WalCheckpointer(db, clock, (err) => errors.push(err));
    checkpointer.start();
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    db.close();
    await clock.advance(WAL_CHECKPOINT_INTERVAL_MS * 2);
    expect(errors).toHaveLength(2);
    checkpointer.stop();
    expect(clock.pendingTimers()).toBe(0);
  });
});

/** The WAL header's salt-1: SQLite changes it each time the WAL is started over from its first frame. */
const walSalt = (file: string) => readFileSync(`${file}-wal`).readUInt32BE(16);

describe("the WAL is started over by the checkpointer, not by the next attempt's commit", () => {
  it("after a checkpoint that folded everything in, its own write restarts the WAL; the next grant only appends", async () => {
    h = await startHarness();
    const file = databasePath(h.settings);
    const { audit } = h.app.services;
    audit.appendAll(bulk(50), h.clock.now());
    const before = walSalt(file);
    await h.clock.advance(WAL_CHECKPOINT_INTERVAL_MS);
    // Restarted during the tick: the header (and its fsync under synchronous=FULL) is behind us.
    const afterTick = walSalt(file);
    expect(afterTick).not.toBe(before);
    audit.append({ kind: "access", reason: "granted", credential: "pin", outcome: "granted" }, h.clock.now());
    expect(walSalt(file)).toBe(afterTick);
    expect(audit.verify().ok).toBe(true);
  });

  it("with nothing written since, a tick neither checkpoints nor writes", async () => {
    h = await startHarness();
    const file = databasePath(h.settings);
    h.app.services.audit.appendAll(bulk(5), h.clock.now());
    await h.clock.advance(WAL_CHECKPOINT_INTERVAL_MS);
    const commits = walCommits(file);
    const salt = walSalt(file);
    await h.clock.advance(WAL_CHECKPOINT_INTERVAL_MS * 5);
    expect([walCommits(file), walSalt(file)]).toEqual([commits, salt]);
  });
});
