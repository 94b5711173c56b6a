import { describe, expect, it } from "vitest";
import type { KeypadKey } from "../../devices/types.js";
import {
  initialLockout,
  isLockedOut,
  lockoutDurationMs,
  recordFailure,
  recordSuccess,
} from "../../src/access/lockout.js";
import { emptyPinEntry, expirePinEntry, type PinEntryOutcome, pressKey } from "../../src/access/pin-entry.js";

const policy = { minLength: 4, maxLength: 8, interKeyTimeoutMs: 5000 };

function typeKeys(keys: string, stepMs = 100): PinEntryOutcome[] {
  let state = emptyPinEntry;
  const outcomes: PinEntryOutcome[] = [];
  [...keys].forEach((key, i) => {
    const r = pressKey(state, key as KeypadKey, 1000 + i * stepMs, policy);
    state = r.state;
    outcomes.push(r.outcome);
  });
  return outcomes;
}

describe("PIN entry", () => {
  it("# submits the digits typed", () => {
    expect(typeKeys("4821#").at(-1)).toEqual({ type: "submitted", pin: "4821" });
    expect(typeKeys("12345678#").at(-1)).toEqual({ type: "submitted", pin: "12345678" });
  });
  it("too short and too long entries are malformed, never truncated", () => {
    expect(typeKeys("123#").at(-1)).toEqual({ type: "malformed", why: "too_short" });
    expect(typeKeys("123456789#").at(-1)).toEqual({ type: "malformed", why: "too_long" });
  });
  it("* clears; # on nothing is ignored", () => {
    expect(typeKeys("12*3456#").at(-1)).toEqual({ type: "submitted", pin: "3456" });
    expect(typeKeys("#").at(-1)).toEqual({ type: "ignored" });
  });
  it("a gap longer than the inter-key timeout starts a new PIN", () => {
    let state = emptyPinEntry;
    for (const [key, at] of [
      ["9", 0],
      ["9", 100],
      ["1", 5200],
      ["2", 5300],
      ["3", 5400],
      ["4", 5500],
      ["#", 5600],
    ] as const) {
      const r = pressKey(state, key, at, policy);
      state = r.state;
      if (key === "#") expect(r.outcome).toEqual({ type: "submitted", pin: "1234" });
    }
    // Every key too slow: each one starts afresh, so the final # finds nothing to submit.
    expect(typeKeys("1234#", 5001).at(-1)).toEqual({ type: "ignored" });
    const r = pressKey({ digits: "12", overflow: false, lastKeyMs: 0 }, "3", 5000, policy);
    expect(r.state.digits).toBe("123");
  });
  it("the timer expiry clears a half-typed PIN only once it is due", () => {
    const state = { digits: "12", overflow: false, lastKeyMs: 0 };
    expect(expirePinEntry(state, 4999, policy)).toBeNull();
    expect(expirePinEntry(state, 5000, policy)).toEqual(emptyPinEntry);
  });
});

describe("lockout", () => {
  const lp = { maxFailures: 3, baseMs: 30_000, maxMs: 900_000 };
  it("trips on the Nth consecutive failure and doubles each time up to the cap", () => {
    let state = initialLockout;
    const trips: Array<number | null> = [];
    for (let i = 0; i < 3 * 7; i++) {
      const r = recordFailure(state, 0, lp);
      state = r.state;
      if (r.lockedForMs !== null) trips.push(r.lockedForMs);
    }
    expect(trips).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 900_000, 900_000]);
  });
  it("is in force until its end, exclusive", () => {
    const { state } = recordFailure({ consecutiveFailures: 2, lockouts: 0, lockedUntilMs: null }, 1000, lp);
    expect(isLockedOut(state, 30_999)).toBe(true);
    expect(isLockedOut(state, 31_000)).toBe(false);
  });
  it("a success resets both the failure count and the back-off", () => {
    expect(recordSuccess()).toEqual(initialLockout);
    expect(lockoutDurationMs(0, lp)).toBe(30_000);
    expect(lockoutDurationMs(1000, lp)).toBe(900_000);
  });
});
