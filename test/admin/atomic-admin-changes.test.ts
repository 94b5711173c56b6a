import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { currentActor } from "../../src/admin/admin-service.js";
import { AdminCodeBook } from "../../src/audit/admin-code-book.js";
import type { Db } from "../../src/store/open-database.js";
import { PolicyStore } from "../../src/store/policy-store.js";
import { cli } from "../helpers/cli.js";
import { tempDir } from "../helpers/harness.js";
import { ApiClient, startWebHarness, type WebHarness } from "./http/web-harness.js";

/**
 * Issue 10.15: an admin change and its audit row commit in one transaction, so a crash (or a
 * failed write) between them can never leave the change without its row. Proved structurally:
 * a trigger in the database file makes the append of that one row fail, for every connection
 * (the service's and the CLI's alike); the change must then be rolled back too, leaving every
 * table as it was. The same command without the trigger must change something, so no row of
 * this table can pass by doing nothing.
 */

/** Tables that carry neither the change nor its row: sessions are touched by every web request. */
const SKIP = /^(audit_events|audit_checkpoints|sqlite_.*|.*session.*)$/;

function snapshot(db: Db): string {
  const tables = db
    .prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    .all()
    .map((t) => t.name)
    .filter((t) => !SKIP.test(t));
  return JSON.stringify(tables.map((t) => [t, db.prepare(`SELECT * FROM "${t}" ORDER BY 1`).all()]));
}

function failAppendOf(db: Db, reason: string): void {
  db.exec(`CREATE TRIGGER inject_audit_failure BEFORE INSERT ON audit_events WHEN NEW.reason = '${reason}'
           BEGIN SELECT RAISE(ABORT, 'injected: audit row cannot be written'); END`);
}

interface Change {
  path: "cli" | "web";
  what: string;
  /** The audit row whose failed append must undo the change. */
  reason: string;
  /** Runs the change; true if the surface reported success. */
  run(ctx: Ctx): Promise<boolean>;
}

interface Ctx {
  w: WebHarness;
  api: ApiClient;
  config: string;
}

const viaCli =
  (args: string[], stdin?: string) =>
  async ({ config }: Ctx): Promise<boolean> =>
    (await cli([...args, "--config", config], { stdin })).code === 0;

const viaWeb =
  (method: string, path: string, body?: unknown) =>
  async ({ api }: Ctx): Promise<boolean> =>
    (await api.request(method, path, body)).ok;

const CHANGES: Change[] = [
  { path: "cli", what: "user add", reason: "user_added", run: viaCli(["user", "add", "eve"]) },
  { path: "cli", what: "pin set", reason: "pin_set", run: viaCli(["pin", "set", "bob"], "4321\n") },
  {
    path: "cli",
    what: "duress set",
    reason: "duress_pin_set",
    run: viaCli(["duress", "set", "alice"], "9876\n"),
  },
  { path: "cli", what: "user disable", reason: "user_disabled", run: viaCli(["user", "disable", "alice"]) },
  { path: "cli", what: "user remove", reason: "user_removed", run: viaCli(["user", "remove", "bob"]) },
  { path: "cli", what: "user erase", reason: "user_erased", run: viaCli(["user", "erase", "alice"]) },
  {
    path: "cli",
    what: "user set (policy)",
    reason: "user_policy_changed",
    run: viaCli(["user", "set", "alice", "--role", "override"]),
  },
  { path: "cli", what: "badge add", reason: "badge_set", run: viaCli(["badge", "add", "bob", "4711"]) },
  {
    path: "cli",
    what: "schedule add",
    reason: "schedule_added",
    run: viaCli(["schedule", "add", "night", "--window", "mon-fri 20:00-23:00"]),
  },
  {
    path: "cli",
    what: "schedule remove",
    reason: "schedule_removed",
    run: viaCli(["schedule", "remove", "office"]),
  },
  {
    path: "cli",
    what: "holiday add",
    reason: "holiday_added",
    run: viaCli(["holiday", "add", "2026-12-25"]),
  },
  {
    path: "cli",
    what: "door lockdown on",
    reason: "door_mode_changed",
    run: viaCli(["door", "lockdown", "on"]),
  },
  {
    path: "cli",
    what: "door emergency on",
    reason: "door_mode_changed",
    run: viaCli(["door", "emergency", "on"]),
  },
  {
    path: "cli",
    what: "fleet add",
    reason: "fleet_member_added",
    run: viaCli(["fleet", "add", "grp", "alice"]),
  },
  {
    path: "cli",
    what: "fleet remove",
    reason: "fleet_member_removed",
    run: viaCli(["fleet", "remove", "night-shift", "alice"]),
  },
  {
    path: "cli",
    what: "admin add",
    reason: "admin_added",
    run: viaCli(["admin", "add", "grace"], "a long enough password\n"),
  },
  { path: "cli", what: "admin remove", reason: "admin_removed", run: viaCli(["admin", "remove", "ada"]) },
  {
    path: "web",
    what: "POST /api/users with a PIN",
    reason: "pin_set",
    run: viaWeb("POST", "/api/users", { name: "eve", pin: "4321" }),
  },
  {
    path: "web",
    what: "POST /api/users",
    reason: "user_added",
    run: viaWeb("POST", "/api/users", { name: "eve" }),
  },
  {
    path: "web",
    what: "PUT pin",
    reason: "pin_set",
    run: viaWeb("PUT", "/api/users/bob/pin", { pin: "4321" }),
  },
  {
    path: "web",
    what: "PUT duress-pin",
    reason: "duress_pin_set",
    run: viaWeb("PUT", "/api/users/alice/duress-pin", { pin: "9876" }),
  },
  { path: "web", what: "DELETE user", reason: "user_removed", run: viaWeb("DELETE", "/api/users/bob") },
  {
    path: "web",
    what: "PUT policy",
    reason: "user_policy_changed",
    run: viaWeb("PUT", "/api/users/alice/policy", { role: "override" }),
  },
  {
    path: "web",
    what: "POST badge",
    reason: "badge_set",
    run: viaWeb("POST", "/api/users/bob/badge", { number: "4711" }),
  },
  {
    path: "web",
    what: "POST schedule",
    reason: "schedule_added",
    run: viaWeb("POST", "/api/schedules", { name: "night", windows: ["mon-fri 20:00-23:00"] }),
  },
  {
    path: "web",
    what: "POST holiday",
    reason: "holiday_added",
    run: viaWeb("POST", "/api/holidays", { date: "2026-12-25", name: "closed" }),
  },
  {
    path: "web",
    what: "lockdown on",
    reason: "door_mode_changed",
    run: viaWeb("POST", "/api/door/lockdown", { on: true, confirm: true }),
  },
  {
    path: "web",
    what: "emergency on",
    reason: "door_mode_changed",
    run: viaWeb("POST", "/api/door/emergency", { on: true, confirm: true }),
  },
];

describe("every admin change commits with its audit row, or not at all", () => {
  let ctx: Ctx;
  beforeEach(async () => {
    const w = await startWebHarness();
    const dir = tempDir();
    const config = join(dir, "config.yaml");
    writeFileSync(config, `data_dir: ${w.settings.data_dir}\nlog_level: silent\n`);
    w.addUserWithPin("alice", "1234");
    const alice = w.app.services.users.require("alice");
    w.app.services.db
      .prepare("INSERT INTO fleet_group_members (group_name, user_id) VALUES ('night-shift', ?)")
      .run(alice.id);
    w.app.services.users.add("bob", w.clock.now());
    new PolicyStore(w.app.services.db).addSchedule("office", [], w.clock.now());
    // The CLI's user has acted on this door before: their admin code is already noted. (A command
    // notes its runner's code before it starts, whether or not its change then commits; the codes
    // of the admins a change is about are noted inside its transaction, which this test covers.)
    AdminCodeBook.forSettings(w.app.services.db, w.settings).actor(currentActor());
    const api = new ApiClient(w.base);
    expect((await api.login()).ok).toBe(true);
    ctx = { w, api, config };
  });
  afterEach(async () => {
    await ctx.w.stop();
  });

  it.each(CHANGES)("$path $what: a failed $reason row rolls the change back", async (change) => {
    const { db, audit } = ctx.w.app.services;
    const rows = () => audit.tail(10_000).filter((r) => r.reason === change.reason).length;
    const before = snapshot(db);
    failAppendOf(db, change.reason);
    expect(await change.run(ctx)).toBe(false);
    expect(snapshot(db)).toBe(before);
    expect(rows()).toBe(0);
    expect(ctx.w.app.services.policy.mode.status().mode).toBe("normal");
    expect(ctx.w.sim.door.boltReleased).toBe(false);

    db.exec("DROP TRIGGER inject_audit_failure");
    expect(await change.run(ctx)).toBe(true);
    expect(snapshot(db)).not.toBe(before);
    expect(rows()).toBeGreaterThan(0);
  });
});
