import { describe, expect, it } from "vitest";
import { type Attempt, decide, type PolicyContext } from "../../src/access/decide.js";
import { LocalTimeConverter } from "../../src/access/local-time.js";
import {
  compileSchedule,
  parseWindowSpec,
  type ScheduleWindow,
  scheduleOpen,
} from "../../src/access/schedule.js";
import type { User } from "../../src/store/user-store.js";

const windows = (spec: string): ScheduleWindow[] => {
  const w = parseWindowSpec(spec);
  if (typeof w === "string") throw new Error(w);
  return w;
};

const user = (over: Partial<User> = {}): User => ({
  id: 1,
  userCode: "u-AAAAAA",
  name: "alice",
  enabled: true,
  validFromMs: null,
  validUntilMs: null,
  createdMs: 0,
  role: "user",
  agreementUntilMs: null,
  scheduleIds: [],
  ...over,
});

const office = compileSchedule(1, "office", windows("mon-fri 08:00-18:00"));
const night = compileSchedule(2, "night", windows("fri 22:00-06:00"));

function policyAt(nowMs: number, over: Partial<PolicyContext> = {}, tz = "UTC"): PolicyContext {
  return {
    mode: "normal",
    local: new LocalTimeConverter(tz).at(nowMs),
    schedules: new Map([
      [1, office],
      [2, night],
    ]),
    holidays: new Set<string>(),
    requireSchedule: false,
    requireAgreement: false,
    twoPerson: { active: false, windowMs: 30_000, pending: null },
    ...over,
  };
}

const run = (attempt: Attempt, nowMs: number, over: Partial<PolicyContext> = {}, tz = "UTC") =>
  decide(attempt, { nowMs, policy: policyAt(nowMs, over, tz) });

// 2026-01-05 is a Monday.
const MON_0900 = Date.UTC(2026, 0, 5, 9, 0);
const MON_0700 = Date.UTC(2026, 0, 5, 7, 0);

describe("schedules", () => {
  it("grants inside a window and denies outside with outside_schedule", () => {
    const u = user({ scheduleIds: [1] });
    expect(run({ user: u }, MON_0900)).toMatchObject({ outcome: "granted", reason: "granted" });
    expect(run({ user: u }, MON_0700)).toMatchObject({
      outcome: "denied",
      reason: "outside_schedule",
      userCode: "u-AAAAAA",
    });
    expect(run({ user: u }, Date.UTC(2026, 0, 5, 18, 0))).toMatchObject({ reason: "outside_schedule" }); // end is exclusive
    expect(run({ user: u }, Date.UTC(2026, 0, 10, 9, 0))).toMatchObject({ reason: "outside_schedule" }); // Saturday
  });

  it("several windows a day: the gap between them is closed", () => {
    const split = compileSchedule(3, "split", windows("mon 08:00-12:00").concat(windows("mon 13:00-17:00")));
    const u = user({ scheduleIds: [3] });
    const ctx = { schedules: new Map([[3, split]]) };
    expect(run({ user: u }, Date.UTC(2026, 0, 5, 11, 59), ctx).outcome).toBe("granted");
    expect(run({ user: u }, Date.UTC(2026, 0, 5, 12, 30), ctx).reason).toBe("outside_schedule");
    expect(run({ user: u }, Date.UTC(2026, 0, 5, 13, 0), ctx).outcome).toBe("granted");
  });

  it("a window crossing midnight covers both sides, and Sunday night wraps into Monday", () => {
    const u = user({ scheduleIds: [2] });
    expect(run({ user: u }, Date.UTC(2026, 0, 9, 23, 30)).outcome).toBe("granted"); // Fri 23:30
    expect(run({ user: u }, Date.UTC(2026, 0, 10, 5, 59)).outcome).toBe("granted"); // Sat 05:59
    expect(run({ user: u }, Date.UTC(2026, 0, 10, 6, 0)).reason).toBe("outside_schedule");
    expect(run({ user: u }, Date.UTC(2026, 0, 9, 21, 59)).reason).toBe("outside_schedule");
    const sunday = compileSchedule(4, "sun", windows("sun 23:00-01:00"));
    const ctx = { schedules: new Map([[4, sunday]]) };
    expect(run({ user: user({ scheduleIds: [4] }) }, Date.UTC(2026, 0, 5, 0, 30), ctx).outcome).toBe(
      "granted",
    ); // Mon 00:30
  });

  it("any one of several assigned schedules is enough", () => {
    const u = user({ scheduleIds: [2, 1] });
    expect(run({ user: u }, MON_0900).outcome).toBe("granted");
    expect(run({ user: u }, Date.UTC(2026, 0, 10, 1, 0)).outcome).toBe("granted");
  });

  it("a holiday closes the windows begun that day, including their after-midnight part", () => {
    const u = user({ scheduleIds: [1, 2] });
    expect(run({ user: u }, MON_0900, { holidays: new Set(["2026-01-05"]) }).reason).toBe("outside_schedule");
    // Friday is a holiday: the night window begun Friday is closed on Saturday 01:00 too.
    expect(run({ user: u }, Date.UTC(2026, 0, 10, 1, 0), { holidays: new Set(["2026-01-09"]) }).reason).toBe(
      "outside_schedule",
    );
    // Saturday is a holiday: the window begun on Friday evening still runs to its end.
    expect(run({ user: u }, Date.UTC(2026, 0, 10, 1, 0), { holidays: new Set(["2026-01-10"]) }).outcome).toBe(
      "granted",
    );
  });

  it("no schedule assigned: any time unless require_schedule", () => {
    expect(run({ user: user() }, MON_0700).outcome).toBe("granted");
    expect(run({ user: user() }, MON_0700, { requireSchedule: true }).reason).toBe("outside_schedule");
  });

  it("a schedule id that no longer exists counts as closed", () => {
    expect(run({ user: user({ scheduleIds: [99] }) }, MON_0900).reason).toBe("outside_schedule");
  });

  it("leap day: 2028-02-29 is a Tuesday and can be a holiday; the day before it is its prevDate", () => {
    const local = new LocalTimeConverter("UTC").at(Date.UTC(2028, 1, 29, 9, 0));
    expect(local).toEqual({ date: "2028-02-29", prevDate: "2028-02-28", weekday: 1, minute: 540 });
    expect(new LocalTimeConverter("UTC").at(Date.UTC(2028, 2, 1, 0, 5)).prevDate).toBe("2028-02-29");
    const u = user({ scheduleIds: [1] });
    expect(run({ user: u }, Date.UTC(2028, 1, 29, 9, 0)).outcome).toBe("granted");
    expect(run({ user: u }, Date.UTC(2028, 1, 29, 9, 0), { holidays: new Set(["2028-02-29"]) }).reason).toBe(
      "outside_schedule",
    );
  });
});

describe("time zone and DST (Europe/Berlin)", () => {
  const tz = "Europe/Berlin";
  const daily = compileSchedule(5, "daily", windows("daily 08:00-18:00"));
  const early = compileSchedule(6, "early", windows("daily 01:00-04:00"));
  const ctx = {
    schedules: new Map([
      [5, daily],
      [6, early],
    ]),
  };
  const u = user({ scheduleIds: [5] });

  it("spring forward 2026-03-29: 06:30Z is 08:30 CEST (open); a day earlier 06:30Z was 07:30 CET (closed)", () => {
    expect(new LocalTimeConverter(tz).at(Date.UTC(2026, 2, 29, 6, 30))).toMatchObject({
      date: "2026-03-29",
      weekday: 6,
      minute: 510,
    });
    expect(run({ user: u }, Date.UTC(2026, 2, 29, 6, 30), ctx, tz).outcome).toBe("granted");
    expect(run({ user: u }, Date.UTC(2026, 2, 28, 6, 30), ctx, tz).reason).toBe("outside_schedule");
    // 01:00-04:00 local lasts only two real hours that night (02:00-03:00 does not exist).
    const e = user({ scheduleIds: [6] });
    expect(run({ user: e }, Date.UTC(2026, 2, 29, 0, 0), ctx, tz).outcome).toBe("granted"); // 01:00 CET
    expect(run({ user: e }, Date.UTC(2026, 2, 29, 1, 59), ctx, tz).outcome).toBe("granted"); // 03:59 CEST
    expect(run({ user: e }, Date.UTC(2026, 2, 29, 2, 0), ctx, tz).reason).toBe("outside_schedule"); // 04:00 CEST
  });

  it("fall back 2026-10-25: 07:30Z is 08:30 CET (open); a day earlier 05:30Z was 07:30 CEST (closed)", () => {
    expect(run({ user: u }, Date.UTC(2026, 9, 25, 7, 30), ctx, tz).outcome).toBe("granted");
    expect(run({ user: u }, Date.UTC(2026, 9, 25, 6, 30), ctx, tz).reason).toBe("outside_schedule"); // 07:30 CET
    expect(run({ user: u }, Date.UTC(2026, 9, 24, 5, 30), ctx, tz).reason).toBe("outside_schedule"); // 07:30 CEST
    // The repeated hour 02:00-03:00 happens twice, both times inside 01:00-04:00: four real hours.
    const e = user({ scheduleIds: [6] });
    expect(new LocalTimeConverter(tz).at(Date.UTC(2026, 9, 25, 0, 30)).minute).toBe(150); // 02:30 CEST
    expect(new LocalTimeConverter(tz).at(Date.UTC(2026, 9, 25, 1, 30)).minute).toBe(150); // 02:30 CET
    expect(run({ user: e }, Date.UTC(2026, 9, 24, 23, 0), ctx, tz).outcome).toBe("granted"); // 01:00 CEST
    expect(run({ user: e }, Date.UTC(2026, 9, 25, 2, 59), ctx, tz).outcome).toBe("granted"); // 03:59 CET
    expect(run({ user: e }, Date.UTC(2026, 9, 25, 3, 0), ctx, tz).reason).toBe("outside_schedule");
  });
});

describe("agreements and validity", () => {
  it("require_agreement: missing, expired, valid", () => {
    const on = { requireAgreement: true };
    expect(run({ user: user() }, MON_0900, on).reason).toBe("agreement_missing");
    expect(run({ user: user({ agreementUntilMs: MON_0900 }) }, MON_0900, on).reason).toBe(
      "agreement_expired",
    );
    expect(run({ user: user({ agreementUntilMs: MON_0900 + 1 }) }, MON_0900, on).outcome).toBe("granted");
    expect(run({ user: user() }, MON_0900).outcome).toBe("granted"); // not required: not checked
  });

  it("validity is checked before the agreement", () => {
    expect(run({ user: user({ validUntilMs: MON_0900 }) }, MON_0900, { requireAgreement: true }).reason).toBe(
      "expired",
    );
  });
});

describe("lockdown", () => {
  it("denies everyone but override users, even a user who would otherwise pass", () => {
    expect(run({ user: user() }, MON_0900, { mode: "lockdown" })).toMatchObject({
      outcome: "denied",
      reason: "lockdown",
    });
    expect(run({ user: user({ role: "admin" }) }, MON_0900, { mode: "lockdown" }).reason).toBe("lockdown");
    expect(run({ user: user({ role: "override" }) }, MON_0900, { mode: "lockdown" }).outcome).toBe("granted");
    expect(run({ user: undefined }, MON_0900, { mode: "lockdown" }).reason).toBe("unknown_credential");
  });

  it("an override user is still subject to being disabled", () => {
    expect(
      run({ user: user({ role: "override", enabled: false }) }, MON_0900, { mode: "lockdown" }).reason,
    ).toBe("user_disabled");
  });
});

describe("two-person rule", () => {
  const active = (pending: { userCode: string; atMs: number } | null) => ({
    twoPerson: { active: true, windowMs: 30_000, pending },
  });
  const bob = user({ id: 2, userCode: "u-BBBBBB" });

  it("the first authorised person waits; a second, different one within the window opens, both recorded", () => {
    const first = run({ user: user() }, MON_0900, active(null));
    expect(first).toMatchObject({
      outcome: "waiting",
      reason: "awaiting_second_person",
      userCode: "u-AAAAAA",
    });
    const second = run({ user: bob }, MON_0900 + 30_000, active({ userCode: "u-AAAAAA", atMs: MON_0900 }));
    expect(second).toMatchObject({ outcome: "granted", userCode: "u-AAAAAA", secondUserCode: "u-BBBBBB" });
  });

  it("the same person twice is denied with same_person", () => {
    expect(
      run({ user: user() }, MON_0900 + 5000, active({ userCode: "u-AAAAAA", atMs: MON_0900 })).reason,
    ).toBe("same_person");
  });

  it("after the window expires the newcomer is the first again", () => {
    expect(
      run({ user: bob }, MON_0900 + 30_001, active({ userCode: "u-AAAAAA", atMs: MON_0900 })).outcome,
    ).toBe("waiting");
    expect(
      run({ user: user() }, MON_0900 + 30_001, active({ userCode: "u-AAAAAA", atMs: MON_0900 })).outcome,
    ).toBe("waiting");
  });

  it("someone who would be denied on their own does not count as a person", () => {
    expect(run({ user: user({ scheduleIds: [1] }) }, MON_0700, active(null)).reason).toBe("outside_schedule");
  });
});

describe("duress", () => {
  it("never changes the outcome; it is carried on the decision for the silent alarm", () => {
    expect(run({ user: user(), duress: true }, MON_0900)).toMatchObject({
      outcome: "granted",
      reason: "granted",
      duress: true,
    });
    expect(run({ user: user({ scheduleIds: [1] }), duress: true }, MON_0700)).toMatchObject({
      outcome: "denied",
      duress: true,
    });
  });
});

describe("window specs", () => {
  it("parses day ranges, lists, daily and 24:00, and rejects nonsense with a message", () => {
    expect(windows("fri-mon 22:00-02:00").map((w) => w.weekday)).toEqual([0, 4, 5, 6]);
    expect(windows("sat,sun 10:00-24:00")).toEqual([
      { weekday: 5, startMin: 600, endMin: 1440 },
      { weekday: 6, startMin: 600, endMin: 1440 },
    ]);
    expect(parseWindowSpec("mon 25:00-26:00")).toMatch(/00:00 to 24:00/);
    expect(parseWindowSpec("moon 08:00-09:00")).toMatch(/unknown day/);
    expect(parseWindowSpec("mon 08:00-08:00")).toMatch(/differ/);
    expect(parseWindowSpec("mon 8-9")).toMatch(/expected a window/);
  });

  it("scheduleOpen reads only the weekday's pieces", () => {
    expect(scheduleOpen(office, new LocalTimeConverter("UTC").at(MON_0900), new Set())).toBe(true);
  });
});
