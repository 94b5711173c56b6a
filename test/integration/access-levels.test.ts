import { afterEach, describe, expect, it } from "vitest";
import { parseWindowSpec, type ScheduleWindow } from "../../src/access/schedule.js";
import { LevelAdminService } from "../../src/admin/level-admin-service.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { adminFor } from "./policy-helpers.js";

// The harness clock starts on Monday 2026-01-05 09:00 UTC; the door id is the default one.
const DOOR = "records-room";
const win = (spec: string) => parseWindowSpec(spec) as ScheduleWindow[];

let harnesses: Harness[] = [];
async function start(overrides: Record<string, unknown> = {}): Promise<Harness> {
  const h = await startHarness(overrides);
  harnesses.push(h);
  return h;
}
afterEach(async () => {
  for (const h of harnesses) await h.app.stop();
  harnesses = [];
});

function levelsFor(h: Harness): LevelAdminService {
  const { db, users, audit } = h.app.services;
  return new LevelAdminService(db, users, audit, h.clock, "os:test");
}

describe("access levels at the door", () => {
  it("with no level defined, every authorised person may use the door (today's behaviour)", async () => {
    const h = await start();
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.app.services.audit.last()).toMatchObject({ reason: "granted", outcome: "granted" });
  });

  it("once a level exists, a person whose levels do not name this door is denied no_access_to_door, door locked, no lockout count", async () => {
    const h = await start();
    const alice = h.addUserWithPin("alice", "1234");
    const bob = h.addUserWithPin("bob", "5678");
    const levels = levelsFor(h);
    levels.putLevel("cage", ["inner-cage"], null);
    levels.setUserLevels("alice", ["cage"]);
    for (const [pin, code] of [
      ["1234", alice], // holds a level, but not for this door
      ["5678", bob], // holds no level at all
    ] as const) {
      await h.type(`${pin}#`);
      expect(h.sim.door.boltReleased).toBe(false);
      expect(h.app.services.audit.last()).toMatchObject({
        kind: "access",
        reason: "no_access_to_door",
        outcome: "denied",
        userCode: code,
      });
    }
    // A policy denial, not a guess: five of them do not lock the keypad out.
    for (let i = 0; i < 5; i++) await h.type("5678#");
    expect(h.app.services.access.lockoutState().failures).toBe(0);
    expect(h.reasons()).not.toContain("lockout_started");
  });

  it("a level naming the door lets its holder in; the change applies at the very next attempt", async () => {
    const h = await start();
    h.addUserWithPin("alice", "1234");
    const levels = levelsFor(h);
    levels.putLevel("staff", ["other-door"], null);
    levels.setUserLevels("alice", ["staff"]);
    await h.type("1234#");
    expect(h.app.services.audit.last()?.reason).toBe("no_access_to_door");
    levels.putLevel("staff", ["other-door", DOOR], null);
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.app.services.audit.last()).toMatchObject({ reason: "granted", outcome: "granted" });
  });

  it("a level's schedule: closed now is outside_schedule, open now lets through", async () => {
    const h = await start();
    h.addUserWithPin("alice", "1234");
    adminFor(h).addSchedule("tuesdays", win("tue 08:00-10:00"));
    adminFor(h).addSchedule("mondays", win("mon 08:00-10:00"));
    const levels = levelsFor(h);
    levels.putLevel("tue-staff", [DOOR], "tuesdays");
    levels.setUserLevels("alice", ["tue-staff"]);
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "outside_schedule",
      detail: { levels: ["tue-staff"] },
    });
    levels.putLevel("mon-staff", [DOOR], "mondays");
    levels.setUserLevels("alice", ["tue-staff", "mon-staff"]);
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
  });

  it("a duress PIN of someone without access here is denied and still raises the silent alarm", async () => {
    const h = await start();
    const alice = h.addUserWithPin("alice", "1234");
    adminFor(h).setDuressPin("alice", "9999");
    levelsFor(h).putLevel("cage", ["inner-cage"], null);
    await h.type("9999#");
    expect(h.sim.door.boltReleased).toBe(false);
    const [access, alarm] = h.app.services.audit.tail(2);
    expect(access).toMatchObject({ reason: "no_access_to_door", outcome: "denied", userCode: alice });
    expect(alarm).toMatchObject({ kind: "system", reason: "duress", userCode: alice });
  });

  it("a remote unlock names no person: levels do not apply to it", async () => {
    const h = await start();
    levelsFor(h).putLevel("cage", ["inner-cage"], null);
    await h.app.services.access.remoteUnlock({ via: "web", by: "admin:test" });
    expect(h.sim.door.boltReleased).toBe(true);
  });

  it("a level given with the CLI (another connection) applies to the next attempt at the running door", async () => {
    const h = await start();
    h.addUserWithPin("alice", "1234");
    const cfg = writeConfig(tempDir(), h.settings.data_dir, "log_level: silent\n");
    expect((await cli(["level", "add", "cage", "--door", DOOR, "--config", cfg])).code).toBe(0);
    await h.type("1234#");
    expect(h.app.services.audit.last()?.reason).toBe("no_access_to_door");
    expect((await cli(["user", "set", "alice", "--level", "cage", "--config", cfg])).code).toBe(0);
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
  });
});
