import { describe, expect, it } from "vitest";
import {
  AllowlistApplier,
  type AllowlistSnapshot,
  type FleetUser,
  readGroupUsers,
} from "../../src/mqtt/allowlist-sync.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { LevelStore } from "../../src/store/level-store.js";
import { openDatabase } from "../../src/store/open-database.js";
import { UserStore } from "../../src/store/user-store.js";

const h = (c: string) => c.repeat(64);
const user = (code: string, lookup: string, doors?: string[]): FleetUser => ({
  user_code: code,
  enabled: true,
  valid_from_ms: null,
  valid_until_ms: null,
  credentials: [{ kind: "pin", lookup }],
  ...(doors ? { doors } : {}),
});
const snap = (version: number, users: FleetUser[]): AllowlistSnapshot => ({
  type: "allowlist_snapshot",
  group: "lab",
  version,
  ts_ms: 0,
  users,
});

describe("fleet allowlists carry access levels as doors", () => {
  it("the admin's snapshot names each person's doors only when levels are in use", () => {
    const db = openDatabase(":memory:");
    const users = new UserStore(db);
    const levels = new LevelStore(db);
    const member = db.prepare("INSERT INTO fleet_group_members (group_name, user_id) VALUES ('lab', ?)");
    const alice = users.add("alice", 0);
    const bob = users.add("bob", 0);
    member.run(alice.id);
    member.run(bob.id);
    expect(readGroupUsers(db, "lab").map((u) => u.doors)).toEqual([undefined, undefined]);
    const staff = levels.put("staff", ["outer"], null, 0);
    const cage = levels.put("cage", ["cage", "outer"], null, 0);
    levels.setUserLevels(alice.id, [staff.id, cage.id]);
    const byCode = new Map(readGroupUsers(db, "lab").map((u) => [u.user_code, u.doors]));
    expect(byCode.get(alice.userCode)).toEqual(["cage", "outer"]);
    expect(byCode.get(bob.userCode)).toEqual([]); // holds no level: may pass no door
  });

  it("a door stores only the people who may pass one of its doors, with a level per door", () => {
    const db = openDatabase(":memory:");
    const users = new UserStore(db);
    const levels = new LevelStore(db);
    const applier = new AllowlistApplier(db, new KeyValueStore(db), "lab", ["outer", "cage"]);
    const at = (code: string, door: string) =>
      levels.levelsAtDoor(users.find(code)?.id ?? -1, door).covering.map((l) => l.level);
    expect(
      applier.applySnapshot(
        snap(1, [
          user("u-AAAA", h("a"), ["outer"]),
          user("u-BBBB", h("b"), ["cage", "outer"]),
          user("u-CCCC", h("c"), ["vault"]), // another controller's door only
        ]),
        1,
      ).applied,
    ).toBe(true);
    expect(
      users
        .list()
        .map((u) => u.userCode)
        .sort(),
    ).toEqual(["u-AAAA", "u-BBBB"]);
    expect([at("u-AAAA", "outer"), at("u-AAAA", "cage")]).toEqual([["fleet:outer"], []]);
    expect(at("u-BBBB", "cage")).toEqual(["fleet:cage"]);
    // A delta moves a person to the other door, and one off this controller entirely.
    const delta = {
      type: "allowlist_delta" as const,
      group: "lab",
      base_version: 1,
      version: 2,
      ts_ms: 0,
      upsert: [user("u-AAAA", h("a"), ["cage"]), user("u-BBBB", h("b"), ["vault"])],
      remove: [],
    };
    expect(applier.applyDelta(delta, 2).applied).toBe(true);
    expect([at("u-AAAA", "outer"), at("u-AAAA", "cage")]).toEqual([[], ["fleet:cage"]]);
    expect(users.find("u-BBBB")).toBeUndefined();
    // The admin stops using levels (a delta with everyone, now without doors): the fleet levels
    // go, and with them the restriction.
    const off = { ...delta, base_version: 2, version: 3, upsert: [user("u-AAAA", h("a"))] };
    expect(applier.applyDelta(off, 3).applied).toBe(true);
    expect(levels.levelsAtDoor(users.find("u-AAAA")?.id ?? -1, "outer").levelsInUse).toBe(false);
  });
});
