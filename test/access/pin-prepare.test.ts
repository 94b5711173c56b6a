import { afterEach, describe, expect, it } from "vitest";
import type { KeypadKey } from "../../devices/types.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { PinKeypad, type PinKeypadOutcome } from "../../src/access/pin-keypad.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/**
 * The PIN's lookup key is prepared between keys (issue 15); the decision is still taken on a
 * lookup made after the '#'. These hold the prepared key to exactly the digits it was made from.
 */
const policy = { minLength: 4, maxLength: 8, interKeyTimeoutMs: 5000 };

function keypad() {
  const clock = new FakeClock();
  const prepared: string[] = [];
  const pad = new PinKeypad(policy, clock, (digits) => {
    prepared.push(digits);
    return `key(${digits})`;
  });
  const type = (keys: string): PinKeypadOutcome | undefined => {
    let last: PinKeypadOutcome | undefined;
    for (const key of keys) last = pad.press(key as KeypadKey, clock.now());
    return last;
  };
  return { clock, pad, prepared, type };
}

describe("PIN keypad: the lookup key prepared while typing", () => {
  it("prepares each submittable entry once, and '#' hands over the key of exactly those digits", () => {
    const { prepared, type } = keypad();
    expect(type("12345#")).toEqual({ type: "submitted", pin: "12345", lookup: "key(12345)" });
    expect(prepared).toEqual(["1234", "12345"]);
  });

  it("nothing is prepared below min_length or past max_length, and '#' then submits without a key", () => {
    const { prepared, type } = keypad();
    expect(type("123#")).toEqual({ type: "malformed", why: "too_short" });
    expect(type("123456789#")).toEqual({ type: "malformed", why: "too_long" });
    expect(prepared).toEqual(["1234", "12345", "123456", "1234567", "12345678"]);
  });

  it("a cleared entry (star, timeout, clear()) leaves no key behind for the next PIN", async () => {
    const { clock, pad, type } = keypad();
    type("1234*");
    expect(type("5678#")).toMatchObject({ pin: "5678", lookup: "key(5678)" });
    type("4321");
    await clock.advance(policy.interKeyTimeoutMs);
    expect(type("8765#")).toMatchObject({ pin: "8765", lookup: "key(8765)" });
    type("1111");
    pad.clear();
    expect(type("#")).toEqual({ type: "ignored" });
  });

  it("without a preparer the submitted PIN carries no key (the caller hashes it)", () => {
    const pad = new PinKeypad(policy, new FakeClock());
    let last: PinKeypadOutcome | undefined;
    for (const key of "2468#") last = pad.press(key as KeypadKey, 0);
    expect(last).toEqual({ type: "submitted", pin: "2468", lookup: null });
  });
});

describe("PIN prepared while typing, decided after '#' (whole controller)", () => {
  let h: Harness;
  afterEach(async () => {
    await h?.app.stop();
  });

  it("a PIN revoked between its last digit and '#' is denied: the decision reads the store after '#'", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    await h.type("1234");
    const { users } = h.app.services;
    const alice = users.list().find((u) => u.userCode === code);
    users.removeCredentials(alice?.id as number, "pin");
    await h.type("#");
    expect(h.app.services.audit.last()).toMatchObject({ outcome: "denied", reason: "unknown_credential" });
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("a person disabled between the last digit and '#' is denied", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    await h.type("1234");
    const alice = h.app.services.users.list().find((u) => u.userCode === code);
    h.app.services.users.setEnabled(alice?.id as number, false);
    await h.type("#");
    expect(h.app.services.audit.last()).toMatchObject({ outcome: "denied", userCode: code });
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("a PIN given between its last digit and '#' is granted", async () => {
    h = await startHarness();
    await h.type("1234");
    const code = h.addUserWithPin("bob", "1234");
    await h.type("#");
    expect(h.app.services.audit.last()).toMatchObject({ outcome: "granted", userCode: code });
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});
