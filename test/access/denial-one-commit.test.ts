import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { doorNamespace } from "../../src/store/door-state.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { accessRows, giveBadge, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { walCommits } from "../helpers/wal-commits.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const LOCKOUT = { lockout: { max_failures: 3, base_s: 60, max_s: 900 } };

/** Commits (= fsyncs under synchronous=FULL) that one attempt costs, read from the WAL. */
async function commitsOf(attempt: () => Promise<void>): Promise<number> {
  // The checkpointer's tick would start the WAL over with a write of its own (wal-checkpointer.ts):
  // another generation, another count. Paused, the WAL holds exactly what the attempt committed.
  h.app.services.checkpointer.pause();
  const db = join(h.settings.data_dir, "doorward.db");
  const before = walCommits(db);
  await attempt();
  return walCommits(db) - before;
}

/** The door's own lockout state (kv keys under its namespace). */
const kv = () => new KeyValueStore(h.app.services.db, doorNamespace(h.settings.door_id));

async function swipe(number: number): Promise<void> {
  const sent = h.sim.wiegand.present(number, "W26");
  await h.clock.advance(150);
  await sent;
  await h.app.services.access.idle();
}

describe("a denied attempt costs one fsync: its row and the lockout count in one transaction (issue 15 item 2)", () => {
  it("an unknown PIN: one commit, and the count is stored by it", async () => {
    h = await startHarness(LOCKOUT);
    h.addUserWithPin("alice", "1234");
    await h.type("1111");
    expect(await commitsOf(() => h.type("#"))).toBe(1);
    expect(accessRows(h).at(-1)).toEqual(["unknown_credential", "denied", "pin"]);
    expect(kv().getJson("lockout:pin")).toMatchObject({ consecutiveFailures: 1 });
  });

  it("the failure that starts a lockout: denial, lockout_started and the count in one commit", async () => {
    h = await startHarness(LOCKOUT);
    await h.type("0000#");
    await h.type("0000#");
    await h.type("0000");
    expect(await commitsOf(() => h.type("#"))).toBe(1);
    expect(h.reasons().slice(-2)).toEqual(["unknown_credential", "lockout_started"]);
    expect(h.app.services.access.lockoutState("pin").lockedOut).toBe(true);
  });

  it("a disabled user's PIN (denied by decision, counted): one commit", async () => {
    h = await startHarness(LOCKOUT);
    const code = h.addUserWithPin("bob", "2468");
    const { users } = h.app.services;
    const bob = users.list().find((u) => u.userCode === code);
    users.setEnabled(bob?.id as number, false);
    await h.type("2468");
    expect(await commitsOf(() => h.type("#"))).toBe(1);
    expect(kv().getJson("lockout:pin")).toMatchObject({ consecutiveFailures: 1 });
  });

  it("an unknown finger and an unknown badge: one commit each", async () => {
    h = await startHarness(LOCKOUT);
    expect(await commitsOf(() => touch(h, "stranger"))).toBe(1);
    expect(kv().getJson("lockout:fingerprint")).toMatchObject({ consecutiveFailures: 1 });
    const code = h.addUserWithPin("carol", "1357");
    giveBadge(h, code, "1001");
    expect(await commitsOf(() => swipe(4242))).toBe(1);
    expect(Object.keys(kv().getJson("lockout:badges") ?? {})).toHaveLength(1);
  });

  it("a grant after denials: the grant row and the reset count in one commit, before the relay", async () => {
    h = await startHarness(LOCKOUT);
    h.addUserWithPin("alice", "1234");
    await h.type("0000#");
    await h.type("1234");
    expect(await commitsOf(() => h.type("#"))).toBe(1);
    expect(accessRows(h).at(-1)).toEqual(["granted", "granted", "pin"]);
    expect(kv().getJson("lockout:pin")).toMatchObject({ consecutiveFailures: 0 });
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});
