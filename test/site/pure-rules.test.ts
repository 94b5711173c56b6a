import { describe, expect, it } from "vitest";
import { levelVerdict } from "../../src/site/access-levels.js";
import { passbackStep } from "../../src/site/anti-passback.js";
import type { PassageAttempt } from "../../src/site/door-rules.js";
import { type DoorLockState, Interlock, interlockBlocker } from "../../src/site/interlock.js";

describe("access levels (levelVerdict)", () => {
  const open = new Set([1]);
  const isOpen = (id: number) => open.has(id);

  it("a site with no level at all lets everyone through", () => {
    expect(levelVerdict({ levelsInUse: false, covering: [] }, isOpen)).toBeNull();
  });
  it("once levels exist, a person with no level naming the door is denied no_access_to_door", () => {
    expect(levelVerdict({ levelsInUse: true, covering: [] }, isOpen)).toEqual({
      type: "deny",
      reason: "no_access_to_door",
    });
  });
  it("a level without a schedule, or with one open now, lets through", () => {
    expect(
      levelVerdict({ levelsInUse: true, covering: [{ level: "a", scheduleId: null }] }, isOpen),
    ).toBeNull();
    expect(levelVerdict({ levelsInUse: true, covering: [{ level: "a", scheduleId: 1 }] }, isOpen)).toBeNull();
  });
  it("levels naming the door whose schedules are all closed: outside_schedule, naming them", () => {
    const v = levelVerdict(
      {
        levelsInUse: true,
        covering: [
          { level: "night", scheduleId: 2 },
          { level: "weekend", scheduleId: 3 },
        ],
      },
      isOpen,
    );
    expect(v).toEqual({ type: "deny", reason: "outside_schedule", detail: { levels: ["night", "weekend"] } });
  });
  it("one open level among closed ones is enough", () => {
    const covering = [
      { level: "night", scheduleId: 2 },
      { level: "day", scheduleId: 1 },
    ];
    expect(levelVerdict({ levelsInUse: true, covering }, isOpen)).toBeNull();
  });
});

describe("anti-passback (passbackStep)", () => {
  it.each([
    ["off", "in", true, null],
    ["off", "out", false, null],
    ["soft", null, true, null],
    ["hard", null, true, null],
    ["soft", "in", false, null],
    ["hard", "in", false, null],
    ["soft", "in", true, "note"],
    ["hard", "in", true, "deny"],
    ["soft", "out", true, null],
    ["hard", "out", true, null],
    // Leaving without having entered is logged, never denied: an exit reader traps no one.
    ["soft", "out", false, "note"],
    ["hard", "out", false, "note"],
  ] as const)("mode %s, direction %s, inside %s -> %s", (mode, direction, inside, expected) => {
    expect(passbackStep(mode, direction, inside)).toBe(expected);
  });
});

describe("interlock", () => {
  const sets = [["outer", "inner"]];
  const states = new Map<string, DoorLockState>();
  const set = (door: string, s: Partial<DoorLockState>) =>
    states.set(door, { unlocked: false, open: false, emergency: false, ...s });
  const attempt = (
    door: string,
    cause: PassageAttempt["cause"] = "credential",
    nowMs = 1000,
  ): PassageAttempt => ({
    door,
    cause,
    reader: null,
    direction: null,
    userId: 1,
    userCode: "u-A",
    nowMs,
  });
  const fresh = (rexRespects = false) => {
    states.clear();
    set("outer", {});
    set("inner", {});
    set("lobby", {});
    return new Interlock({ sets, rexRespects, claimMs: 2000 }, (d) => states.get(d));
  };

  it("blocks while another door of the set is unlocked, or open, naming it", () => {
    const i = fresh();
    set("outer", { unlocked: true });
    expect(i.check(attempt("inner"))).toEqual({
      type: "deny",
      reason: "interlock",
      detail: { blocked_by: "outer" },
    });
    set("outer", { open: true });
    expect(i.check(attempt("inner"))?.reason).toBe("interlock");
    set("outer", {});
    expect(i.check(attempt("inner"))).toBeNull();
  });
  it("a door never blocks itself, and doors outside the set are not held back", () => {
    const i = fresh();
    set("outer", { unlocked: true, open: true });
    expect(i.check(attempt("outer"))).toBeNull();
    expect(i.check(attempt("lobby"))).toBeNull();
  });
  it("remote unlocks obey it; REX only with rex_respects", () => {
    const i = fresh();
    set("outer", { open: true });
    expect(i.check(attempt("inner", "remote"))?.reason).toBe("interlock");
    expect(i.check(attempt("inner", "exit"))).toBeNull();
    const strict = fresh(true);
    set("outer", { open: true });
    expect(strict.check(attempt("inner", "exit"))?.reason).toBe("interlock");
  });
  it("emergency unlock on any door of the set overrides it", () => {
    const i = fresh();
    set("outer", { unlocked: true, emergency: true });
    expect(i.check(attempt("inner"))).toBeNull();
  });
  it("a committed grant holds the set before its relay reports unlocked, for claimMs", () => {
    const i = fresh();
    i.passed(attempt("outer", "credential", 1000));
    // The outer relay has not been written yet: the claim alone blocks the inner door.
    expect(i.check(attempt("inner", "credential", 1001))?.reason).toBe("interlock");
    expect(i.check(attempt("inner", "credential", 2999))?.reason).toBe("interlock");
    expect(i.check(attempt("inner", "credential", 3000))).toBeNull();
  });
  it("interlockBlocker handles overlapping sets", () => {
    const busy = new Set(["c"]);
    expect(
      interlockBlocker(
        "b",
        [
          ["a", "b"],
          ["b", "c"],
        ],
        (d) => busy.has(d),
        () => false,
      ),
    ).toBe("c");
    expect(
      interlockBlocker(
        "a",
        [
          ["a", "b"],
          ["b", "c"],
        ],
        (d) => busy.has(d),
        () => false,
      ),
    ).toBeNull();
  });
});
