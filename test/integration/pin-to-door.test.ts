import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

describe("PIN to door on the simulator", () => {
  it("a granted PIN logs the attempt, then releases the bolt for exactly one pulse", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.app.services.audit.last()).toMatchObject({
      kind: "access",
      outcome: "granted",
      reason: "granted",
      userCode: code,
      credential: "pin",
    });
    await h.clock.advance(5000);
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("a wrong PIN is logged as unknown_credential and the door stays locked", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await h.type("9999#");
    expect(h.app.services.audit.last()).toMatchObject({
      outcome: "denied",
      reason: "unknown_credential",
      userCode: null,
    });
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.sim.door.push()).toBe(false);
  });

  it("the person pushes the door open during the pulse and it relocks when it closes", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    await h.clock.advance(1000);
    expect(h.sim.door.push()).toBe(true);
    await h.clock.advance(100);
    h.sim.door.release();
    await h.clock.advance(100);
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.reasons()).toEqual(expect.arrayContaining(["granted", "door_opened", "door_closed"]));
    expect(h.reasons()).not.toContain("door_forced");
  });
});
