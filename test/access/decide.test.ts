import { describe, expect, it } from "vitest";
import { decide } from "../../src/access/decide.js";
import type { User } from "../../src/store/user-store.js";

const now = Date.UTC(2026, 5, 1, 12);
const user = (over: Partial<User> = {}): User => ({
  id: 1,
  userCode: "u-ABCDEF",
  name: "x",
  enabled: true,
  validFromMs: null,
  validUntilMs: null,
  createdMs: 0,
  role: "user",
  agreementUntilMs: null,
  scheduleIds: [],
  ...over,
});

describe("decide", () => {
  it("grants an enabled, valid user", () => {
    expect(decide({ user: user() }, { nowMs: now })).toEqual({
      outcome: "granted",
      reason: "granted",
      userCode: "u-ABCDEF",
      duress: false,
    });
  });

  it.each([
    ["unknown_credential", undefined],
    ["user_disabled", user({ enabled: false })],
    ["not_yet_valid", user({ validFromMs: now + 1 })],
    ["expired", user({ validUntilMs: now })],
  ] as const)("denies with %s", (reason, u) => {
    expect(decide({ user: u }, { nowMs: now })).toMatchObject({ outcome: "denied", reason });
  });

  it("valid_from is inclusive and valid_until exclusive", () => {
    expect(decide({ user: user({ validFromMs: now }) }, { nowMs: now }).outcome).toBe("granted");
    expect(decide({ user: user({ validUntilMs: now + 1 }) }, { nowMs: now }).outcome).toBe("granted");
  });

  // Lockout is per credential kind and checked before decide() (test/integration/lockout-per-credential.test.ts).
  it("a disabled user is reported before validity", () => {
    expect(decide({ user: user({ enabled: false, validUntilMs: 0 }) }, { nowMs: now }).reason).toBe(
      "user_disabled",
    );
  });
});
