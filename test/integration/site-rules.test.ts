import { afterEach, describe, expect, it } from "vitest";
import { RemoteUnlockRefused } from "../../src/access/release-requests.js";
import { LevelAdminService } from "../../src/admin/level-admin-service.js";
import { doorEntry, keypadReader } from "../helpers/doors.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

// Two doors: "outer" with an entry keypad (in) and an exit keypad (out), "cage" with one keypad,
// on their own lines and I2C addresses. Doors 0 and 1 in h.sim.doors / h.app.services.units.
const OUTER = 0;
const CAGE = 1;
function twoDoors(outer: Record<string, unknown> = {}, top: Record<string, unknown> = {}) {
  return {
    doors: [
      {
        ...doorEntry("outer", 4, [
          keypadReader("outer-in", 0x34, "in"),
          keypadReader("outer-out", 0x35, "out"),
        ]),
        ...outer,
      },
      doorEntry("cage", 7, [keypadReader("cage-in", 0x36, "in")]),
    ],
    ...top,
  };
}

let harnesses: Harness[] = [];
async function start(overrides: Record<string, unknown>): Promise<Harness> {
  const h = await startHarness(overrides);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses) await h.app.stop();
  harnesses = [];
});

/** Types at one keypad like a person and waits until that door has decided. */
async function typeAt(h: Harness, door: number, keys: string, reader?: string): Promise<void> {
  const typed = h.sim.doors[door]?.typeKeys(keys, reader);
  await h.clock.advance(2 * keys.length * 80 + 100);
  await typed;
  await h.app.services.units[door]?.access.idle();
}
const released = (h: Harness) => h.sim.doors.map((d) => d.door.boltReleased);
const levels = (h: Harness) => {
  const { db, users, audit } = h.app.services;
  return new LevelAdminService(db, users, audit, h.clock, "os:test");
};
const last = (h: Harness) => h.app.services.audit.last();

describe("access levels per door", () => {
  it("a person may pass only the doors their levels name (no_access_to_door elsewhere)", async () => {
    const h = await start(twoDoors());
    const alice = h.addUserWithPin("alice", "1234");
    h.addUserWithPin("bob", "5678");
    levels(h).putLevel("staff", ["outer"], null);
    levels(h).putLevel("archivists", ["outer", "cage"], null);
    levels(h).setUserLevels("alice", ["staff"]);
    levels(h).setUserLevels("bob", ["archivists"]);
    await typeAt(h, CAGE, "1234#");
    expect(released(h)).toEqual([false, false]);
    expect(last(h)).toMatchObject({
      door: "cage",
      reason: "no_access_to_door",
      outcome: "denied",
      userCode: alice,
    });
    await typeAt(h, OUTER, "1234#");
    expect(released(h)).toEqual([true, false]);
    await h.clock.advance(6000);
    await typeAt(h, CAGE, "5678#");
    expect(released(h)).toEqual([false, true]);
    expect(last(h)).toMatchObject({ door: "cage", reason: "granted" });
  });
});

describe("interlock", () => {
  const interlocked = (extra: Record<string, unknown> = {}) =>
    twoDoors({}, { interlocks: [["outer", "cage"]], ...extra });

  it("while one door is unlocked or open the other refuses, naming it; once it shuts, it opens", async () => {
    const h = await start(interlocked());
    h.addUserWithPin("alice", "1234");
    h.addUserWithPin("bob", "5678");
    await typeAt(h, OUTER, "1234#");
    expect(released(h)).toEqual([true, false]);
    await typeAt(h, CAGE, "5678#");
    expect(released(h)).toEqual([true, false]);
    expect(last(h)).toMatchObject({
      door: "cage",
      reason: "interlock",
      outcome: "denied",
      detail: { blocked_by: "outer" },
    });
    // The outer door is pushed open and stays open after its pulse: still blocked.
    h.sim.doors[OUTER]?.door.push();
    await h.clock.advance(6000);
    await typeAt(h, CAGE, "5678#");
    expect(last(h)?.reason).toBe("interlock");
    h.sim.doors[OUTER]?.door.release();
    await h.clock.advance(200);
    await typeAt(h, CAGE, "5678#");
    expect(released(h)).toEqual([false, true]);
    // A policy denial, not guessing: no lockout count at the cage.
    expect(h.app.services.units[CAGE]?.access.lockoutState("pin").failures).toBe(0);
  });

  it("a remote (web, MQTT) unlock is refused likewise, with its row", async () => {
    const h = await start(interlocked());
    h.sim.doors[OUTER]?.pressExit();
    await h.clock.advance(300);
    expect(released(h)).toEqual([true, false]);
    await expect(
      h.app.services.units[CAGE]?.access.remoteUnlock({ via: "web", by: "web:ada" }),
    ).rejects.toThrow(RemoteUnlockRefused);
    expect(last(h)).toMatchObject({
      door: "cage",
      reason: "interlock",
      credential: "remote",
      outcome: "denied",
    });
    expect(released(h)).toEqual([true, false]);
  });

  it("request-to-exit is never held back by default; with interlock.rex_respects it is", async () => {
    const h = await start(interlocked());
    h.sim.doors[OUTER]?.pressExit();
    await h.clock.advance(300);
    h.sim.doors[CAGE]?.pressExit();
    await h.clock.advance(300);
    expect(released(h)).toEqual([true, true]);

    const strict = await start(interlocked({ interlock: { rex_respects: true } }));
    strict.sim.doors[OUTER]?.pressExit();
    await strict.clock.advance(300);
    strict.sim.doors[CAGE]?.pressExit();
    await strict.clock.advance(300);
    expect(released(strict)).toEqual([true, false]);
    expect(last(strict)).toMatchObject({
      door: "cage",
      reason: "interlock",
      credential: "rex",
      outcome: "denied",
    });
  });

  it("emergency unlock overrides it", async () => {
    const h = await start(interlocked());
    h.addUserWithPin("bob", "5678");
    const outer = h.app.services.units[OUTER];
    outer?.policy.store.setMode({ mode: "emergency_unlock", since_ms: h.clock.now(), by: "test" });
    await outer?.policy.mode.apply();
    await h.clock.advance(100);
    expect(released(h)).toEqual([true, false]);
    await typeAt(h, CAGE, "5678#");
    expect(released(h)).toEqual([true, true]);
  });

  it("two doors granting at the same instant: exactly one opens, the other is refused interlock", async () => {
    const h = await start(interlocked());
    h.addUserWithPin("alice", "1234");
    h.addUserWithPin("bob", "5678");
    const a = h.sim.doors[OUTER]?.typeKeys("1234#");
    const b = h.sim.doors[CAGE]?.typeKeys("5678#");
    await h.clock.advance(2 * 5 * 80 + 100);
    await Promise.all([a, b, ...h.app.services.units.map((u) => u.access.idle())]);
    expect(released(h).filter(Boolean)).toHaveLength(1);
    const decided = h.app.services.audit.tail(5).filter((r) => r.kind === "access");
    expect(decided.map((r) => r.reason).sort()).toEqual(["granted", "interlock"]);
  });
});

describe("anti-passback with in and out readers", () => {
  it("hard: entering twice is denied passback until the person has left", async () => {
    const h = await start(twoDoors({ anti_passback: "hard" }));
    const alice = h.addUserWithPin("alice", "1234");
    await typeAt(h, OUTER, "1234#", "outer-in");
    expect(last(h)).toMatchObject({ reason: "granted", detail: { reader: "outer-in", direction: "in" } });
    await h.clock.advance(6000);
    await typeAt(h, OUTER, "1234#", "outer-in");
    expect(released(h)).toEqual([false, false]);
    expect(last(h)).toMatchObject({
      door: "outer",
      reason: "passback",
      outcome: "denied",
      userCode: alice,
      detail: { mode: "hard", direction: "in", inside: true },
    });
    await typeAt(h, OUTER, "1234#", "outer-out");
    expect(released(h)).toEqual([true, false]);
    await h.clock.advance(6000);
    await typeAt(h, OUTER, "1234#", "outer-in");
    expect(released(h)).toEqual([true, false]);
  });

  it("soft: entering twice opens and writes a passback row; leaving without entering opens and is logged", async () => {
    const h = await start(twoDoors({ anti_passback: "soft" }));
    const alice = h.addUserWithPin("alice", "1234");
    await typeAt(h, OUTER, "1234#", "outer-out");
    expect(released(h)).toEqual([true, false]);
    expect(h.app.services.audit.tail(2).map((r) => [r.reason, r.outcome])).toEqual([
      ["granted", "granted"],
      ["passback", null],
    ]);
    await h.clock.advance(6000);
    await typeAt(h, OUTER, "1234#", "outer-in");
    await h.clock.advance(6000);
    await typeAt(h, OUTER, "1234#", "outer-in");
    expect(released(h)).toEqual([true, false]);
    expect(last(h)).toMatchObject({
      reason: "passback",
      userCode: alice,
      detail: { mode: "soft", inside: true },
    });
  });

  it("doorward passback forgive and the daily forgive_at let the person in again", async () => {
    // The harness clock starts at 09:00 UTC; forgive every day at 09:01.
    const h = await start(twoDoors({ anti_passback: "hard", forgive_at: "09:01" }));
    h.addUserWithPin("alice", "1234");
    await typeAt(h, OUTER, "1234#", "outer-in");
    await h.clock.advance(6000);
    levels(h).forgivePassback("alice", "outer");
    await typeAt(h, OUTER, "1234#", "outer-in");
    expect(last(h)?.reason).toBe("granted");
    await h.clock.advance(6000);
    await typeAt(h, OUTER, "1234#", "outer-in");
    expect(last(h)?.reason).toBe("passback");
    await h.clock.advance(60_000); // past 09:01
    await typeAt(h, OUTER, "1234#", "outer-in");
    expect(last(h)?.reason).toBe("granted");
  });
});

describe("occupancy", () => {
  it("who is inside each room, since when, survives a restart (rebuilt from the log)", async () => {
    const dataDir = tempDir();
    const h = await start({ ...twoDoors(), data_dir: dataDir });
    const alice = h.addUserWithPin("alice", "1234");
    const bob = h.addUserWithPin("bob", "5678");
    const aliceIn = h.clock.now();
    await typeAt(h, OUTER, "1234#", "outer-in");
    await h.clock.advance(6000);
    await typeAt(h, OUTER, "5678#", "outer-in");
    await h.clock.advance(6000);
    await typeAt(h, OUTER, "5678#", "outer-out");
    const inside = () =>
      h.app.services.site.rules
        .occupancy(h.clock.now())
        .map((r) => [r.door, r.occupants.map((o) => o.userCode)]);
    // The cage has no out reader: it is not tracked.
    expect(inside()).toEqual([["outer", [alice]]]);
    const since = h.app.services.site.rules.occupancy(h.clock.now())[0]?.occupants[0]?.sinceMs ?? 0;
    expect(since).toBeGreaterThanOrEqual(aliceIn);
    expect(bob).toBeTruthy();
    await h.app.stop();
    harnesses = harnesses.filter((x) => x !== h);

    const again = await start({ ...twoDoors(), data_dir: dataDir });
    expect(
      again.app.services.site.rules
        .occupancy(again.clock.now())
        .map((r) => r.occupants.map((o) => [o.userCode, o.sinceMs])),
    ).toEqual([[[alice, since]]]);
  });
});
