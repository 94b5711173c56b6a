import { describe, expect, it } from "vitest";
import {
  type AccessMode,
  acceptsFactor,
  expiredSession,
  type FactorPolicy,
  type FactorSession,
  isTwoFactor,
  presentFactor,
} from "../../src/access/factor-session.js";

const policy = (mode: AccessMode): FactorPolicy => ({ mode, windowMs: 10_000 });
const alice = { userId: 1, userCode: "u-ALICE1" };
const bob = { userId: 2, userCode: "u-BOB222" };

describe("factor sessions", () => {
  it("knows which kinds each mode accepts", () => {
    expect(["pin", "badge", "fingerprint"].every((k) => acceptsFactor("any", k as "pin"))).toBe(true);
    expect(acceptsFactor("fingerprint_only", "fingerprint")).toBe(true);
    expect(acceptsFactor("fingerprint_only", "pin")).toBe(false);
    expect(acceptsFactor("fingerprint_only", "badge")).toBe(false);
    expect(acceptsFactor("pin_and_fingerprint", "badge")).toBe(false);
    expect(acceptsFactor("badge_and_pin", "fingerprint")).toBe(false);
    expect(acceptsFactor("badge_and_fingerprint", "pin")).toBe(false);
    expect(isTwoFactor("any")).toBe(false);
    expect(isTwoFactor("fingerprint_only")).toBe(false);
    expect(isTwoFactor("badge_and_pin")).toBe(true);
  });

  it("one-factor modes decide at once and keep no session", () => {
    const r = presentFactor(null, { kind: "pin", ...alice }, 0, policy("any"));
    expect(r).toEqual({ session: null, step: { type: "single" }, expired: null });
    expect(presentFactor(null, { kind: "pin", ...alice }, 0, policy("fingerprint_only")).step.type).toBe(
      "not_accepted",
    );
  });

  it("two factors from the same user within the window complete, in either order", () => {
    const first = presentFactor(null, { kind: "pin", ...alice }, 1000, policy("pin_and_fingerprint"));
    expect(first.step).toEqual({ type: "first" });
    expect(first.session).toEqual({ ...alice, first: "pin", startedMs: 1000 });
    const second = presentFactor(
      first.session,
      { kind: "fingerprint", ...alice },
      10_999,
      policy("pin_and_fingerprint"),
    );
    expect(second).toEqual({
      session: null,
      step: { type: "complete", factors: ["pin", "fingerprint"] },
      expired: null,
    });

    const f = presentFactor(null, { kind: "fingerprint", ...alice }, 0, policy("pin_and_fingerprint"));
    expect(
      presentFactor(f.session, { kind: "pin", ...alice }, 5, policy("pin_and_fingerprint")).step.type,
    ).toBe("complete");
  });

  it("the other kind from someone else is a mismatch and ends the session", () => {
    const first = presentFactor(null, { kind: "badge", ...alice }, 0, policy("badge_and_pin"));
    const r = presentFactor(first.session, { kind: "pin", ...bob }, 2000, policy("badge_and_pin"));
    expect(r.step).toEqual({ type: "mismatch", first: first.session });
    expect(r.session).toBeNull();
  });

  it("the same kind again restarts the session with the new presenter", () => {
    const first = presentFactor(null, { kind: "badge", ...alice }, 0, policy("badge_and_fingerprint"));
    const again = presentFactor(
      first.session,
      { kind: "badge", ...bob },
      3000,
      policy("badge_and_fingerprint"),
    );
    expect(again.step.type).toBe("first");
    expect(again.session).toEqual({ ...bob, first: "badge", startedMs: 3000 });
    // bob's finger now completes; alice's would be a mismatch
    expect(
      presentFactor(again.session, { kind: "fingerprint", ...bob }, 4000, policy("badge_and_fingerprint"))
        .step.type,
    ).toBe("complete");
  });

  it("a session expires exactly at the window and a late second factor starts over", () => {
    const session: FactorSession = { ...alice, first: "pin", startedMs: 0 };
    expect(expiredSession(session, 9_999, policy("pin_and_fingerprint"))).toBeNull();
    expect(expiredSession(session, 10_000, policy("pin_and_fingerprint"))).toBe(session);
    const late = presentFactor(
      session,
      { kind: "fingerprint", ...alice },
      10_000,
      policy("pin_and_fingerprint"),
    );
    expect(late.expired).toBe(session);
    expect(late.step.type).toBe("first");
    expect(late.session?.first).toBe("fingerprint");
  });

  it("a kind the mode refuses leaves the session untouched", () => {
    const session: FactorSession = { ...alice, first: "pin", startedMs: 0 };
    const r = presentFactor(session, { kind: "badge", ...bob }, 100, policy("pin_and_fingerprint"));
    expect(r).toEqual({ session, step: { type: "not_accepted" }, expired: null });
  });
});
