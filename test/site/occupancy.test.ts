import { describe, expect, it } from "vitest";
import { LocalTimeConverter } from "../../src/access/local-time.js";
import { AuditLog } from "../../src/audit/audit-log.js";
import { lastDailyForgiveMs, OccupancyState, parseTimeOfDay } from "../../src/site/occupancy.js";
import { OccupancyLog, PASSBACK_FORGIVEN } from "../../src/site/occupancy-log.js";
import { openDatabase } from "../../src/store/open-database.js";

const T0 = Date.UTC(2026, 11, 1, 9, 0); // 09:00 UTC

describe("occupancy fold (OccupancyState)", () => {
  it("in puts a person inside since then, out takes them out, per door", () => {
    const s = new OccupancyState();
    s.apply({ type: "passage", tsMs: 100, door: "outer", direction: "in", userCodes: ["u-A"] });
    s.apply({ type: "passage", tsMs: 200, door: "outer", direction: "in", userCodes: ["u-B", "u-C"] });
    s.apply({ type: "passage", tsMs: 300, door: "inner", direction: "in", userCodes: ["u-A"] });
    s.apply({ type: "passage", tsMs: 400, door: "outer", direction: "out", userCodes: ["u-B"] });
    expect(s.occupants("outer", 0)).toEqual([
      { userCode: "u-A", sinceMs: 100 },
      { userCode: "u-C", sinceMs: 200 },
    ]);
    expect(s.isInside("inner", "u-A", 0)).toBe(true);
    expect(s.isInside("outer", "u-B", 0)).toBe(false);
  });
  it("a forgive takes the person out of one room, or of every room", () => {
    const s = new OccupancyState();
    for (const door of ["outer", "inner"])
      s.apply({ type: "passage", tsMs: 100, door, direction: "in", userCodes: ["u-A"] });
    s.apply({ type: "forgiven", tsMs: 150, door: "inner", userCode: "u-A" });
    expect([s.isInside("outer", "u-A", 0), s.isInside("inner", "u-A", 0)]).toEqual([true, false]);
    s.apply({ type: "forgiven", tsMs: 160, door: null, userCode: "u-A" });
    expect(s.isInside("outer", "u-A", 0)).toBe(false);
  });
  it("entries older than the forgive boundary no longer count", () => {
    const s = new OccupancyState();
    s.apply({ type: "passage", tsMs: 100, door: "outer", direction: "in", userCodes: ["u-A"] });
    expect(s.isInside("outer", "u-A", 100)).toBe(true);
    expect(s.isInside("outer", "u-A", 101)).toBe(false);
    expect(s.occupants("outer", 101)).toEqual([]);
  });
});

describe("daily forgive time", () => {
  it("parses HH:MM and rejects anything else", () => {
    expect(parseTimeOfDay("03:30")).toBe(210);
    expect(parseTimeOfDay("23:59")).toBe(1439);
    for (const bad of ["24:00", "3:30", "03:60", "noon", ""]) expect(parseTimeOfDay(bad)).toBeNull();
  });
  it("is the last time the local clock read forgive_at, today or yesterday", () => {
    // 09:00 local, forgive at 03:00: six hours ago.
    expect(lastDailyForgiveMs(T0 + 30_000, 9 * 60, 3 * 60)).toBe(T0 - 6 * 3_600_000);
    // 09:00 local, forgive at 22:00: yesterday evening.
    expect(lastDailyForgiveMs(T0, 9 * 60, 22 * 60)).toBe(T0 - 11 * 3_600_000);
    // Exactly at the forgive minute: now.
    expect(lastDailyForgiveMs(T0, 9 * 60, 9 * 60)).toBe(T0);
  });
});

describe("OccupancyLog (the audit log is the store)", () => {
  function setup() {
    const db = openDatabase(":memory:");
    const audit = new AuditLog(db, "outer");
    const grant = (ts: number, userCode: string, direction: "in" | "out" | null) =>
      audit.append(
        {
          kind: "access",
          reason: "granted",
          outcome: "granted",
          credential: "pin",
          userCode,
          detail: direction ? { reader: `r-${direction}`, direction } : null,
        },
        ts,
      );
    return { db, audit, grant };
  }
  const local = new LocalTimeConverter("UTC");

  it("rebuilds who is inside from the log at start (a restart keeps occupancy)", () => {
    const { db, audit, grant } = setup();
    grant(T0, "u-A", "in");
    grant(T0 + 1000, "u-B", "in");
    grant(T0 + 2000, "u-A", "out");
    grant(T0 + 3000, "u-C", null); // a reader without direction is no passage
    audit.append(
      { kind: "access", reason: "lockdown", outcome: "denied", userCode: "u-D", detail: { direction: "in" } },
      T0,
    );
    const first = new OccupancyLog(db, new Map([["outer", null]]), local);
    expect(first.occupants("outer", T0 + 5000)).toEqual([{ userCode: "u-B", sinceMs: T0 + 1000 }]);
    // A second instance over the same database (the restarted service) sees the same.
    const again = new OccupancyLog(db, new Map([["outer", null]]), local);
    expect(again.occupants("outer", T0 + 5000)).toEqual(first.occupants("outer", T0 + 5000));
  });
  it("folds rows appended after start, by any writer, at the next read", () => {
    const { db, audit, grant } = setup();
    const occ = new OccupancyLog(db, new Map([["outer", null]]), local);
    expect(occ.isInside("outer", "u-A", T0)).toBe(false);
    grant(T0, "u-A", "in");
    expect(occ.isInside("outer", "u-A", T0 + 1)).toBe(true);
    // `doorward passback forgive` from the CLI writes this row on its own connection.
    audit.append(
      { kind: "system", reason: PASSBACK_FORGIVEN, userCode: "u-A", detail: { by: "os:t" } },
      T0 + 2,
    );
    expect(occ.isInside("outer", "u-A", T0 + 3)).toBe(false);
  });
  it("the two people of a two-person grant both enter", () => {
    const { db, audit } = setup();
    audit.append(
      {
        kind: "access",
        reason: "granted",
        outcome: "granted",
        userCode: "u-A",
        detail: { second_user_code: "u-B", direction: "in" },
      },
      T0,
    );
    const occ = new OccupancyLog(db, new Map([["outer", null]]), local);
    expect(occ.occupants("outer", T0).map((o) => o.userCode)).toEqual(["u-A", "u-B"]);
  });
  it("with forgive_at, entries before the last forgive time are forgotten", () => {
    const { db, grant } = setup();
    grant(T0 - 7 * 3_600_000, "u-A", "in"); // 02:00, before the 03:00 forgive
    grant(T0 - 5 * 3_600_000, "u-B", "in"); // 04:00, after it
    const occ = new OccupancyLog(db, new Map([["outer", 3 * 60]]), local);
    expect(occ.occupants("outer", T0).map((o) => o.userCode)).toEqual(["u-B"]);
    // The next day at 03:00 u-B is forgotten too.
    expect(occ.occupants("outer", T0 + 18 * 3_600_000)).toEqual([]);
  });
});
