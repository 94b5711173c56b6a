import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { formatWindow, parseWindowSpec, type ScheduleWindow } from "../../src/access/schedule.js";
import { PolicyAdminService } from "../../src/admin/policy-admin-service.js";
import { AuditLog } from "../../src/audit/audit-log.js";
import { CredentialHasher } from "../../src/secrets/credential-hasher.js";
import { openDatabase } from "../../src/store/open-database.js";
import { PolicyStore } from "../../src/store/policy-store.js";
import { UserStore } from "../../src/store/user-store.js";
import { tempDir } from "../helpers/harness.js";

const win = (spec: string) => parseWindowSpec(spec) as ScheduleWindow[];

function stores() {
  const path = join(tempDir(), "d.db");
  const service = openDatabase(path);
  const cli = openDatabase(path);
  return {
    service: new PolicyStore(service),
    cli: new PolicyStore(cli),
    cliDb: cli,
    users: new UserStore(cli),
    close: () => {
      cli.close();
      service.close();
    },
  };
}

describe("PolicyStore.replaceWindows", () => {
  it("replaces the windows in place: same id, assignments kept, revision moved for the other connection", () => {
    const { service, cli, users, close } = stores();
    try {
      const before = cli.addSchedule("office", win("mon-fri 08:00-18:00"), 0);
      const alice = users.add("alice", 0);
      cli.setUserSchedules(alice.id, [before.id]);
      const revision = service.revision();
      const after = cli.replaceWindows("office", win("sat 10:00-12:00"));
      expect(after.id).toBe(before.id);
      expect(after.windows.map(formatWindow)).toEqual(["sat 10:00-12:00"]);
      expect(service.revision()).toBeGreaterThan(revision);
      const snap = service.snapshot();
      expect(snap.schedules.get(before.id)?.name).toBe("office");
      expect(users.get(alice.id).scheduleIds).toEqual([before.id]);
    } finally {
      close();
    }
  });

  it("refuses an unknown schedule and an empty list, changing nothing", () => {
    const { cli, close } = stores();
    try {
      cli.addSchedule("office", win("mon 08:00-09:00"), 0);
      const revision = cli.revision();
      expect(() => cli.replaceWindows("nope", win("mon 08:00-09:00"))).toThrow(/no such schedule/);
      expect(() => cli.replaceWindows("office", [])).toThrow(/at least one window/);
      expect(cli.revision()).toBe(revision);
      expect(cli.requireSchedule("office").windows.map(formatWindow)).toEqual(["mon 08:00-09:00"]);
    } finally {
      close();
    }
  });
});

describe("PolicyAdminService.setScheduleWindows", () => {
  it("is one audit event naming the actor, with the old and the new windows", () => {
    const { cliDb, users, close } = stores();
    try {
      const clock = new FakeClock();
      const audit = new AuditLog(cliDb, "front");
      const hasher = new CredentialHasher(Buffer.alloc(32, 7));
      const admin = new PolicyAdminService(cliDb, users, hasher, audit, clock, "web:ada", {
        minLength: 4,
        maxLength: 8,
      });
      admin.addSchedule("office", win("mon 08:00-09:00"));
      admin.setScheduleWindows("office", win("tue 10:00-11:00"));
      expect(audit.last()).toMatchObject({
        kind: "system",
        reason: "schedule_changed",
        detail: {
          by: "web:ada",
          schedule: "office",
          windows: ["tue 10:00-11:00"],
          previous: ["mon 08:00-09:00"],
        },
      });
    } finally {
      close();
    }
  });
});
