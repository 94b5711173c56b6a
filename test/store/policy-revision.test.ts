import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { openDatabase } from "../../src/store/open-database.js";
import { MODE_KEY, PolicyStore } from "../../src/store/policy-store.js";
import { UserStore } from "../../src/store/user-store.js";
import { tempDir } from "../helpers/harness.js";

const weekdays = [{ weekday: 0, startMin: 480, endMin: 1080 }];

/** The service's connection and the CLI's, on one file, as two processes would have them. */
function twoConnections() {
  const path = join(tempDir(), "d.db");
  const service = openDatabase(path);
  const cli = openDatabase(path);
  return {
    service: { db: service, users: new UserStore(service), policy: new PolicyStore(service) },
    cli: { db: cli, users: new UserStore(cli), policy: new PolicyStore(cli) },
    close: () => {
      cli.close();
      service.close();
    },
  };
}

describe("policy revision (migration 6)", () => {
  it("moves for every change a snapshot depends on, made on either connection", () => {
    const { service, cli, close } = twoConnections();
    try {
      const seen = [service.policy.revision()];
      const moved = (what: string) => {
        const r = service.policy.revision();
        expect(r, what).toBeGreaterThan(seen.at(-1) as number);
        seen.push(r);
      };
      cli.policy.addSchedule("day", weekdays, 0);
      moved("schedule and windows added by the other connection");
      cli.db.prepare("UPDATE schedule_windows SET end_min = 1000").run();
      moved("a window edited by hand");
      cli.policy.addHoliday("2026-12-24", "");
      moved("holiday added");
      cli.policy.addHoliday("2026-12-24", "Christmas Eve");
      moved("holiday renamed (upsert)");
      cli.policy.removeHoliday("2026-12-24");
      moved("holiday removed");
      cli.policy.setMode({ mode: "lockdown", since_ms: 1, by: "os:cli" });
      moved("mode set (insert)");
      cli.policy.setMode({ mode: "normal", since_ms: 2, by: "os:cli" });
      moved("mode set (update)");
      service.policy.addSchedule("night", weekdays, 0);
      moved("a write on the service's own connection");
      cli.policy.removeSchedule("night");
      moved("schedule removed (its windows cascade)");
      // Unrelated state does not force a snapshot reload.
      const before = service.policy.revision();
      cli.db.prepare("INSERT INTO kv (key, value) VALUES ('lockout', '{}')").run();
      cli.users.add("carol", 0);
      expect(service.policy.revision()).toBe(before);
      expect(MODE_KEY).toBe("door:mode"); // the migration's triggers name this key literally
    } finally {
      close();
    }
  });

  it("the credential lookup carries the revision read in the same statement", () => {
    const { service, cli, close } = twoConnections();
    try {
      const u = service.users.add("alice", 0);
      service.users.setCredential(u.id, "pin", "h-pin", 0);
      service.users.setCredential(u.id, "badge", "h-badge", 0);
      const r0 = service.users.findByPin("h-pin")?.policyRevision as number;
      cli.policy.addHoliday("2026-12-25", "");
      expect(service.users.findByPin("h-pin")?.policyRevision).toBe(r0 + 1);
      expect(service.users.findHolder("badge", "h-badge")?.policyRevision).toBe(r0 + 1);
      expect(service.policy.snapshot().revision).toBe(r0 + 1);
    } finally {
      close();
    }
  });

  it("users.schedule_ids follows every assignment change, whoever makes it", () => {
    const { service, cli, close } = twoConnections();
    try {
      const day = cli.policy.addSchedule("day", weekdays, 0);
      const night = cli.policy.addSchedule("night", weekdays, 0);
      const u = service.users.add("alice", 0);
      const ids = () => [...service.users.get(u.id).scheduleIds].sort((a, b) => a - b);
      expect(ids()).toEqual([]);
      cli.policy.setUserSchedules(u.id, [day.id, night.id]);
      expect(ids()).toEqual([day.id, night.id].sort((a, b) => a - b));
      cli.db.prepare("DELETE FROM user_schedules WHERE schedule_id = ?").run(day.id);
      expect(ids()).toEqual([night.id]);
      cli.db.prepare("UPDATE user_schedules SET schedule_id = ? WHERE user_id = ?").run(day.id, u.id);
      expect(ids()).toEqual([day.id]);
      cli.policy.setUserSchedules(u.id, []);
      expect(ids()).toEqual([]);
      // Moving an assignment from one user to another updates both rows.
      const v = service.users.add("bob", 0);
      cli.policy.setUserSchedules(u.id, [night.id]);
      cli.db.prepare("UPDATE user_schedules SET user_id = ? WHERE user_id = ?").run(v.id, u.id);
      expect(ids()).toEqual([]);
      expect(service.users.get(v.id).scheduleIds).toEqual([night.id]);
      // Removing a user cascades to their assignments without error.
      service.users.remove(v.id);
      expect(cli.db.prepare("SELECT count(*) AS n FROM user_schedules").get()).toEqual({ n: 0 });
    } finally {
      close();
    }
  });

  it("fills schedule_ids for assignments made before the migration", () => {
    const path = join(tempDir(), "d.db");
    const v5 = openDatabase(
      path,
      migrations.filter((m) => m.version <= 5),
    );
    v5.prepare(
      "INSERT INTO users (id, user_code, name, created_ms) VALUES (1, 'u-1', 'a', 0), (2, 'u-2', 'b', 0)",
    ).run();
    v5.prepare("INSERT INTO schedules (id, name, created_ms) VALUES (7, 'x', 0), (9, 'y', 0)").run();
    v5.prepare("INSERT INTO user_schedules (user_id, schedule_id) VALUES (1, 7), (1, 9)").run();
    v5.close();
    const db = openDatabase(path);
    try {
      const users = new UserStore(db);
      expect([...users.get(1).scheduleIds].sort((a, b) => a - b)).toEqual([7, 9]);
      expect(users.get(2).scheduleIds).toEqual([]);
      expect(new PolicyStore(db).revision()).toBe(0);
    } finally {
      db.close();
    }
  });
});
