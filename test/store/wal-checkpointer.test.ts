import { readFileSync, statSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { databasePath } from "../../src/app.js";
import type { AuditEntry } from "../../src/audit/audit-log.js";
import { openDatabase } from "../../src/store/open-database.js";
import {
  CHECKPOINT_FAILURE_REPEAT_MS,
  WAL_CHECKPOINT_INTERVAL_MS,
  WalCheckpointer,
} from "../../src/store/wal-checkpointer.js";
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
    const checkpointer = new WalCheckpointer(db, clock, {
      failed: (err) => errors.push(err),
      recovered: () => {},
    });
    checkpointer.start();
    expect(db.pragma("wal_autocheckpoint", { simple: true })).toBe(0);
    db.close();
    await clock.advance(WAL_CHECKPOINT_INTERVAL_MS * 2);
    expect(errors).toHaveLength(1);
    expect(String(errors[0])).toMatch(/not open/);
    checkpointer.stop();
    expect(clock.pendingTimers()).toBe(0);
  });

  it("while every tick fails (a full disk) it is said once, then every five minutes with the count, then once when it works again", async () => {
    const clock = new FakeClock();
    const db = openDatabase(`${tempDir()}/c.db`);
    // The same connection, whose checkpoints fail while `full` is set: SQLITE_FULL, as on a full disk.
    let full = true;
    const flaky = Object.create(db) as typeof db;
    flaky.pragma = ((source: string, options?: never) => {
      if (full && source.startsWith("wal_checkpoint"))
        throw Object.assign(new Error("database or disk is full"), { code: "SQLITE_FULL" });
      return db.pragma(source, options);
    }) as typeof db.pragma;
    const said: string[] = [];
    const checkpointer = new WalCheckpointer(flaky, clock, {
      failed: (err, ticks) => said.push(`failed ${ticks}: ${(err as Error).message}`),
      recovered: (ticks) => said.push(`recovered after ${ticks}`),
    });
    checkpointer.start();
    db.prepare("INSERT INTO kv (key, value) VALUES ('a', '1')").run(); // something to fold in
    // The first failing tick is at 1 s; the next report is due five minutes after it.
    await clock.advance(CHECKPOINT_FAILURE_REPEAT_MS);
    expect(said).toEqual(["failed 1: database or disk is full"]);
    await clock.advance(WAL_CHECKPOINT_INTERVAL_MS);
    const ticksIn5Min = CHECKPOINT_FAILURE_REPEAT_MS / WAL_CHECKPOINT_INTERVAL_MS;
    expect(said).toEqual([
      "failed 1: database or disk is full",
      `failed ${ticksIn5Min + 1}: database or disk is full`,
    ]);
    full = false;
    await clock.advance(WAL_CHECKPOINT_INTERVAL_MS);
    expect(said.at(-1)).toBe(`recovered after ${ticksIn5Min + 1}`);
    // The WAL was folded in on that tick, and a later failure is news again.
    await clock.advance(WAL_CHECKPOINT_INTERVAL_MS * 3);
    expect(said).toHaveLength(3);
    full = true;
    db.prepare("INSERT INTO kv (key, value) VALUES ('b', '1')").run();
    await clock.advance(WAL_CHECKPOINT_INTERVAL_MS);
    expect(said.at(-1)).toBe("failed 1: database or disk is full");
    checkpointer.stop();
    db.close();
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
