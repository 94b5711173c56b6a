import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseWindowSpec, type ScheduleWindow } from "../../src/access/schedule.js";
import { type AdminContext, openAdminContext } from "../../src/admin/cli-context.js";
import { PolicyAdminService } from "../../src/admin/policy-admin-service.js";
import { DoorCommands } from "../../src/door/door-commands.js";
import { PolicyStore } from "../../src/store/policy-store.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { switchMode } from "./policy-helpers.js";

const win = (spec: string) => parseWindowSpec(spec) as ScheduleWindow[];

let h: Harness;
let closeCli: (() => void) | undefined;
let cliContext: AdminContext | undefined;
afterEach(async () => {
  closeCli?.();
  await h?.app.stop();
});

/** The CLI as another process sees the database: its own connection, its own PolicyStore. */
function cliPolicyAdmin(): PolicyAdminService {
  const config = join(h.settings.data_dir, "config.yaml");
  writeFileSync(config, `data_dir: ${h.settings.data_dir}\n`);
  const ctx = openAdminContext(config, {});
  cliContext = ctx;
  closeCli = ctx.close;
  return new PolicyAdminService(ctx.db, ctx.users, h.app.services.hasher, ctx.audit, h.clock, "os:cli", {
    minLength: 4,
    maxLength: 8,
  });
}

/** The CLI's door-command path on that same connection: no live door, the service polls. */
function cliCommands(): DoorCommands {
  const { db, audit } = cliContext as AdminContext;
  return new DoorCommands(audit, h.clock, new Map([[h.settings.door_id, { modes: new PolicyStore(db) }]]));
}

/** One attempt at the door, then enough time for the door to relock before the next. */
async function attempt(pin: string): Promise<string | undefined> {
  await h.type(`${pin}#`);
  const reason = h.app.services.audit.tail(50).findLast((r) => r.kind === "access")?.reason;
  await h.clock.advance(6000);
  return reason;
}

// The harness clock starts on Monday 2026-01-05 09:00 UTC; the policy zone defaults to UTC.
describe("policy changes made over another connection apply to the very next attempt", () => {
  it("schedule assignment, schedule windows, holidays, door mode and user state", async () => {
    h = await startHarness({ policy: { require_schedule: true } });
    h.addUserWithPin("alice", "1234");
    const cli = cliPolicyAdmin();
    cli.addSchedule("morning", win("mon 08:00-12:00"));
    cli.addSchedule("evening", win("mon 18:00-22:00"));

    expect(await attempt("1234")).toBe("outside_schedule"); // no schedule, and one is required
    cli.setUserPolicy("alice", { schedules: ["morning"] });
    expect(await attempt("1234")).toBe("granted");
    // Reassigned to a schedule closed now: the assignment alone changed, no schedule edit.
    cli.setUserPolicy("alice", { schedules: ["evening"] });
    expect(await attempt("1234")).toBe("outside_schedule");
    // A window added to her schedule opens it.
    cli.addSchedule("evening", win("mon 09:00-10:00"));
    expect(await attempt("1234")).toBe("granted");
    // Today becomes a holiday: every window begun today closes.
    cli.addHoliday("2026-01-05", "closure");
    expect(await attempt("1234")).toBe("outside_schedule");
    cli.removeHoliday("2026-01-05");
    expect(await attempt("1234")).toBe("granted");
    // Door mode: the decision reads it from the same revisioned snapshot.
    await switchMode(cliCommands(), h.settings.door_id, "lockdown");
    expect(await attempt("1234")).toBe("lockdown");
    await switchMode(cliCommands(), h.settings.door_id, "normal");
    expect(await attempt("1234")).toBe("granted");
    // Unassigned again: require_schedule denies.
    cli.setUserPolicy("alice", { schedules: [] });
    expect(await attempt("1234")).toBe("outside_schedule");
  });

  it("a schedule assignment made by hand-written SQL (no doorward code) is seen too", async () => {
    h = await startHarness({ policy: { require_schedule: true } });
    h.addUserWithPin("bob", "4321");
    const cli = cliPolicyAdmin();
    cli.addSchedule("morning", win("mon 08:00-12:00"));
    expect(await attempt("4321")).toBe("outside_schedule");
    const ctx = openAdminContext(join(h.settings.data_dir, "config.yaml"), {});
    try {
      ctx.db
        .prepare(
          "INSERT INTO user_schedules (user_id, schedule_id) SELECT u.id, s.id FROM users u, schedules s WHERE u.name = 'bob' AND s.name = 'morning'",
        )
        .run();
      expect(await attempt("4321")).toBe("granted");
      ctx.db.prepare("DELETE FROM schedule_windows").run();
      expect(await attempt("4321")).toBe("outside_schedule");
    } finally {
      ctx.close();
    }
  });
});
