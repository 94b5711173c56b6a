import { describe, expect, it } from "vitest";
import { AllowlistApplier, type AllowlistSnapshot, type FleetUser } from "../../src/mqtt/allowlist-sync.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { openDatabase } from "../../src/store/open-database.js";
import { UserStore } from "../../src/store/user-store.js";

const h = (c: string) => c.repeat(64);
const user = (code: string, lookup: string, enabled = true): FleetUser => ({
  user_code: code,
  enabled,
  valid_from_ms: null,
  valid_until_ms: null,
  credentials: [{ kind: "pin", lookup }],
});
const snap = (version: number, users: FleetUser[], group = "lab"): AllowlistSnapshot => ({
  type: "allowlist_snapshot",
  group,
  version,
  ts_ms: 0,
  users,
});

function setup() {
  const db = openDatabase(":memory:");
  const users = new UserStore(db);
  const applier = new AllowlistApplier(db, new KeyValueStore(db), "lab");
  const codes = () =>
    users
      .list()
      .map((u) => u.userCode)
      .sort();
  return { db, users, applier, codes };
}

describe("AllowlistApplier", () => {
  it("replaces the allowlist with a newer snapshot and records its version", () => {
    const { users, applier, codes } = setup();
    users.add("Local Only", 0); // not in the fleet: removed by the snapshot
    expect(applier.applySnapshot(snap(1, [user("u-AAAA", h("a")), user("u-BBBB", h("b"))]), 1)).toEqual({
      applied: true,
      version: 1,
    });
    expect(codes()).toEqual(["u-AAAA", "u-BBBB"]);
    expect(users.findByCredential("pin", h("a"))?.userCode).toBe("u-AAAA");
    expect(applier.version()).toBe(1);
    // A PIN that moves from one person to another in the next version does not collide mid-apply.
    expect(
      applier.applySnapshot(snap(2, [user("u-AAAA", h("b")), user("u-CCCC", h("a"), false)]), 2).applied,
    ).toBe(true);
    expect(users.findByCredential("pin", h("a"))?.userCode).toBe("u-CCCC");
    expect(users.findByCredential("pin", h("a"))?.enabled).toBe(false);
    expect(codes()).toEqual(["u-AAAA", "u-CCCC"]);
  });

  it("refuses an older or equal version and a snapshot for another group, changing nothing", () => {
    const { applier, codes } = setup();
    applier.applySnapshot(snap(5, [user("u-AAAA", h("a"))]), 1);
    expect(applier.applySnapshot(snap(4, [user("u-BBBB", h("b"))]), 2)).toMatchObject({
      applied: false,
      reason: "old_version",
    });
    expect(applier.applySnapshot(snap(5, [user("u-BBBB", h("b"))]), 2)).toMatchObject({
      applied: false,
      reason: "old_version",
    });
    expect(applier.applySnapshot(snap(9, [user("u-BBBB", h("b"))], "other"), 2)).toMatchObject({
      applied: false,
      reason: "wrong_group",
    });
    expect(codes()).toEqual(["u-AAAA"]);
    expect(applier.version()).toBe(5);
  });

  it("is all or nothing: a snapshot that fails half-way leaves the previous allowlist and version", () => {
    const { users, applier, codes } = setup();
    applier.applySnapshot(snap(1, [user("u-AAAA", h("a"))]), 1);
    // Two people with one PIN hash: the second insert violates UNIQUE after the first rows went in.
    const bad = snap(2, [user("u-BBBB", h("b")), user("u-CCCC", h("c")), user("u-DDDD", h("c"))]);
    expect(applier.applySnapshot(bad, 2)).toMatchObject({ applied: false, reason: "apply_failed" });
    expect(codes()).toEqual(["u-AAAA"]);
    expect(users.findByCredential("pin", h("a"))?.userCode).toBe("u-AAAA");
    expect(applier.version()).toBe(1);
  });

  it("applies a delta only on top of its base version", () => {
    const { applier, codes } = setup();
    applier.applySnapshot(snap(1, [user("u-AAAA", h("a")), user("u-BBBB", h("b"))]), 1);
    const delta = (base: number, upsert: FleetUser[], remove: string[]) => ({
      type: "allowlist_delta" as const,
      group: "lab",
      base_version: base,
      version: base + 1,
      ts_ms: 0,
      upsert,
      remove,
    });
    expect(applier.applyDelta(delta(2, [], ["u-AAAA"]), 2)).toMatchObject({
      applied: false,
      reason: "version_gap",
    });
    expect(applier.applyDelta(delta(1, [user("u-CCCC", h("c"))], ["u-AAAA"]), 2)).toEqual({
      applied: true,
      version: 2,
    });
    expect(codes()).toEqual(["u-BBBB", "u-CCCC"]);
    expect(applier.applyDelta(delta(1, [], ["u-BBBB"]), 3)).toMatchObject({
      applied: false,
      reason: "old_version",
    });
  });
});
