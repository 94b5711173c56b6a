import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { CredentialLockouts, MAX_TRACKED_BADGES } from "../../src/access/credential-lockouts.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

const policy = { maxFailures: 2, baseMs: 60_000, maxMs: 900_000 };

function lockouts() {
  const db = openDatabase(join(tempDir(), "doorward.db"));
  const kv = new KeyValueStore(db);
  const errors: unknown[] = [];
  const l = new CredentialLockouts(kv, policy, (_c, err) => errors.push(err));
  l.load();
  return { db, kv, l, errors };
}

const badge = (lookup: string) => ({ kind: "badge" as const, lookup });

describe("CredentialLockouts", () => {
  it("a badge success clears that badge's count only", () => {
    const { l } = lockouts();
    l.failed(badge("a"), 0);
    l.failed(badge("b"), 0);
    l.succeeded(badge("a"));
    expect(l.failed(badge("a"), 0)).toBeNull(); // back to one failure
    expect(l.failed(badge("b"), 0)).toEqual({ lockedForMs: 60_000, lockoutNumber: 1 });
    expect(l.isLockedOut(badge("b"), 1)).toBe(true);
    expect(l.isLockedOut(badge("a"), 1)).toBe(false);
  });

  it("an attacker cycling card numbers cannot grow the table past its bound, nor evict a lockout before counters", () => {
    const { l, kv } = lockouts();
    l.failed(badge("locked"), 0);
    l.failed(badge("locked"), 0);
    for (let i = 0; i < MAX_TRACKED_BADGES * 3; i++) l.failed(badge(`guess-${i}`), 0);
    const saved = kv.getJson<Record<string, unknown>>("lockout:badges") ?? {};
    expect(Object.keys(saved)).toHaveLength(MAX_TRACKED_BADGES);
    expect(l.isLockedOut(badge("locked"), 1)).toBe(true);
  });

  it("a PIN lockout leaves fingerprints and badges alone", () => {
    const { l } = lockouts();
    l.failed({ kind: "pin" }, 0);
    l.failed({ kind: "pin" }, 0);
    expect(l.isLockedOut({ kind: "pin" }, 1)).toBe(true);
    expect(l.isLockedOut({ kind: "fingerprint" }, 1)).toBe(false);
    expect(l.isLockedOut(badge("a"), 1)).toBe(false);
    expect(l.status("badge", 1)).toEqual({ lockedOut: false, untilMs: null, failures: 0 });
  });
});
