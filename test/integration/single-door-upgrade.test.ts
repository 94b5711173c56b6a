import { dirname } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { migrations } from "../../src/store/migrations.js";
import { doorsConfig } from "../helpers/doors.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { singleDoorDatabase } from "../helpers/single-door-db.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

describe("a database of the single-door version", () => {
  it("upgrades in place at start: the door keeps its lockdown, its lockout count and its events", async () => {
    const path = singleDoorDatabase();
    h = await startHarness({ data_dir: dirname(path), door_id: "archive" });
    const { db, policy } = h.app.services;
    // Upgraded through every migration (8: the door namespace, 9: access levels, ...).
    expect(db.pragma("user_version", { simple: true })).toBe(Math.max(...migrations.map((m) => m.version)));
    expect(policy.mode.status()).toMatchObject({ mode: "lockdown", by: "os:root" });
    const keys = db
      .prepare<[], { key: string }>("SELECT key FROM kv WHERE key LIKE 'door:%' ORDER BY key")
      .all()
      .map((r) => r.key);
    expect(keys).toEqual(["door:archive:lockout:keypad", "door:archive:policy:first_in_date", "door:mode"]);
    // The old keypad count (3 failures) is this door's PIN count now: two more lock it out.
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    expect(h.app.services.audit.last()).toMatchObject({
      door: "archive",
      reason: "lockdown",
      outcome: "denied",
    });
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.app.services.access.lockoutState("pin").failures).toBe(3);
  });

  it("with a doors: list, the old state becomes the first door's; the other door starts fresh", async () => {
    const path = singleDoorDatabase();
    h = await startHarness({ data_dir: dirname(path), doors: doorsConfig(2) });
    const [d0, d1] = h.app.services.units;
    expect(d0?.policy.mode.status().mode).toBe("lockdown");
    expect(d1?.policy.mode.status().mode).toBe("normal");
    expect(d0?.access.lockoutState("pin").failures).toBe(3);
    expect(d1?.access.lockoutState("pin").failures).toBe(0);
  });
});
