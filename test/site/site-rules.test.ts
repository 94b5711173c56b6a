import { describe, expect, it } from "vitest";
import type { Decision } from "../../src/access/decide.js";
import { DoorRulesGate } from "../../src/access/door-rules-gate.js";
import type { DoorRules, PassageAttempt, RuleVerdict } from "../../src/site/door-rules.js";
import type { DoorLockState } from "../../src/site/interlock.js";
import { SiteRules, type SiteRulesDeps } from "../../src/site/site-rules.js";
import type { LevelsAtDoor } from "../../src/store/level-store.js";

function site(over: { levels?: LevelsAtDoor; inside?: boolean; outerOpen?: boolean } = {}) {
  const states = new Map<string, DoorLockState>([
    ["outer", { unlocked: false, open: over.outerOpen ?? false, emergency: false }],
    ["inner", { unlocked: false, open: false, emergency: false }],
  ]);
  const deps: SiteRulesDeps = {
    levelsAtDoor: () => over.levels ?? { levelsInUse: false, covering: [] },
    scheduleOpen: () => true,
    doorState: (d) => states.get(d),
    occupancy: { isInside: () => over.inside ?? false, occupants: () => [] },
  };
  return new SiteRules(
    {
      doors: [
        { id: "outer", antiPassback: "hard", tracksOccupancy: true },
        { id: "inner", antiPassback: "soft", tracksOccupancy: false },
      ],
      interlocks: [["outer", "inner"]],
      rexRespectsInterlock: false,
    },
    deps,
  );
}
const attempt = (door: string, over: Partial<PassageAttempt> = {}): PassageAttempt => ({
  door,
  cause: "credential",
  reader: "kp",
  direction: "in",
  userId: 7,
  userCode: "u-A",
  nowMs: 1000,
  ...over,
});

describe("SiteRules: the order of the rules that span doors", () => {
  it("levels first: a person without access here hears no_access_to_door, even while the interlock blocks", () => {
    const r = site({ levels: { levelsInUse: true, covering: [] }, outerOpen: true, inside: true });
    expect(r.check(attempt("inner"))?.reason).toBe("no_access_to_door");
  });
  it("then the interlock, then anti-passback", () => {
    expect(site({ outerOpen: true, inside: true }).check(attempt("inner"))?.reason).toBe("interlock");
    expect(site({ inside: true }).check(attempt("outer"))).toMatchObject({
      type: "deny",
      reason: "passback",
    });
    expect(site({ inside: true }).check(attempt("inner"))).toMatchObject({
      type: "note",
      reason: "passback",
    });
    expect(site({ inside: false }).check(attempt("outer"))).toBeNull();
  });
  it("a remote unlock and REX are subject to neither levels nor anti-passback", () => {
    const r = site({ levels: { levelsInUse: true, covering: [] }, inside: true });
    const release = { userId: null, userCode: null, reader: null, direction: null } as const;
    expect(r.check(attempt("outer", { cause: "remote", ...release }))).toBeNull();
    expect(r.check(attempt("outer", { cause: "exit", ...release }))).toBeNull();
    expect(site({ outerOpen: true }).check(attempt("inner", { cause: "remote", ...release }))?.reason).toBe(
      "interlock",
    );
  });
});

describe("DoorRulesGate (how the access service applies a verdict)", () => {
  const granted: Decision = { outcome: "granted", reason: "granted", userCode: "u-A", duress: true };
  const waiting: Decision = {
    outcome: "waiting",
    reason: "awaiting_second_person",
    userCode: "u-A",
    duress: false,
    pending: { userCode: "u-A", atMs: 0 },
  };
  function gate(verdict: RuleVerdict | null) {
    const seen: string[] = [];
    const rules: DoorRules = {
      check: (a) => {
        seen.push(`check ${a.cause} ${a.door} ${a.userCode}`);
        return verdict;
      },
      passed: (a) => seen.push(`passed ${a.door} ${a.secondUserCode ?? "-"}`),
    };
    return { g: new DoorRulesGate(rules, "outer"), seen };
  }
  const person = { userId: 7, userCode: "u-A" };
  const inSource = { reader: "kp-in", direction: "in" } as const;

  it("a deny becomes a denied decision with the rule's reason; duress kept; nothing passed", () => {
    const { g, seen } = gate({ type: "deny", reason: "interlock", detail: { blocked_by: "inner" } });
    const r = g.credential(granted, person, "pin", inSource, 5);
    expect(r.decision).toEqual({ outcome: "denied", reason: "interlock", userCode: "u-A", duress: true });
    expect(r.detail).toEqual({ blocked_by: "inner" });
    r.passed();
    expect(seen).toEqual(["check credential outer u-A"]);
  });
  it("a grant carries its direction; a note is its own row, committed with it; passed names both people", () => {
    const { g, seen } = gate({ type: "note", reason: "passback", detail: { mode: "soft" } });
    const r = g.credential({ ...granted, secondUserCode: "u-B" }, person, "badge", inSource, 5);
    expect(r.decision.outcome).toBe("granted");
    expect(r.detail).toEqual({ direction: "in" });
    expect(r.alsoRecord).toEqual([
      {
        kind: "access",
        reason: "passback",
        credential: "badge",
        outcome: null,
        userCode: "u-A",
        detail: { mode: "soft" },
      },
    ]);
    r.passed();
    expect(seen).toEqual(["check credential outer u-A", "passed outer u-B"]);
  });
  it("a note belongs to the grant, not to a two-person wait; a denial by decide() is not re-checked", () => {
    const { g, seen } = gate({ type: "note", reason: "passback" });
    expect(g.credential(waiting, person, "pin", inSource, 5).alsoRecord).toEqual([]);
    const denied: Decision = { outcome: "denied", reason: "expired", userCode: "u-A", duress: false };
    expect(g.credential(denied, person, "pin", inSource, 5).decision).toBe(denied);
    expect(seen).toEqual(["check credential outer u-A"]);
  });
  it("a rule that throws lets request-to-exit through (egress first) but not a remote unlock", () => {
    const broken: DoorRules = {
      check: () => {
        throw new Error("database is locked");
      },
      passed: () => {},
    };
    const g = new DoorRulesGate(broken, "outer");
    const errors: unknown[] = [];
    expect(g.release("exit", 5, (err) => errors.push(err)).verdict).toBeNull();
    expect(errors).toHaveLength(1);
    expect(() => g.release("remote", 5)).toThrow(/database is locked/);
  });
  it("without rules nothing changes", () => {
    const r = new DoorRulesGate(undefined, "outer").credential(granted, person, "pin", inSource, 5);
    expect(r.decision).toBe(granted);
    expect(r.alsoRecord).toEqual([]);
  });
});
