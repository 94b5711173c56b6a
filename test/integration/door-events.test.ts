import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

describe("door events", () => {
  it("opening the door while the bolt is locked is logged as door_forced", async () => {
    h = await startHarness();
    h.sim.door.force();
    await h.clock.advance(50);
    expect(h.app.services.audit.last()).toMatchObject({ kind: "door", reason: "door_forced" });
    expect(h.app.services.door.status().phase).toBe("forced");
    h.sim.door.release();
    await h.clock.advance(50);
    expect(h.app.services.door.status()).toMatchObject({ phase: "locked", door: "closed", lock: "locked" });
  });

  it("a door left open past held_open_s is logged as door_held_open", async () => {
    h = await startHarness({ door: { held_open_s: 10 } });
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    h.sim.door.push();
    await h.clock.advance(9_000);
    expect(h.reasons()).not.toContain("door_held_open");
    await h.clock.advance(1_100);
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "door_held_open",
      detail: { held_open_s: 10 },
    });
    expect(h.app.services.door.status().phase).toBe("held_open");
    // The pulse ended long ago: the relay is not held by an open door.
    expect(h.sim.door.boltReleased).toBe(false);
    h.sim.door.release();
    await h.clock.advance(50);
    expect(h.app.services.audit.last()?.reason).toBe("door_closed");
  });

  it("a door pushed just after the pulse ended is not reported as forced (relock grace)", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    await h.clock.advance(5_000);
    expect(h.sim.door.boltReleased).toBe(false);
    h.sim.door.force(); // the latch was already past the keeper
    await h.clock.advance(30);
    expect(h.reasons()).not.toContain("door_forced");
  });

  it("request-to-exit unlocks without a credential and is logged first", async () => {
    h = await startHarness();
    h.sim.pressExit();
    await h.clock.advance(50);
    await h.app.services.access.idle();
    expect(h.app.services.audit.last()).toMatchObject({
      kind: "door",
      reason: "exit_request",
      credential: "rex",
      outcome: "granted",
    });
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.sim.door.push()).toBe(true);
    await h.clock.advance(500); // longer than the contact's debounce: a real passage
    h.sim.door.release();
    await h.clock.advance(50);
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("the indicator shows green for a grant and red for a denial", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await h.type("1234");
    h.sim.keypad.type("#");
    await h.clock.advance(30);
    await h.app.services.access.idle();
    expect(h.sim.indicators()).toMatchObject({ green: true, red: false });
    await h.clock.advance(3_000);
    expect(h.sim.indicators()).toEqual({ green: false, red: false, buzzer: false });
    await h.type("9999");
    h.sim.keypad.type("#");
    await h.clock.advance(30);
    await h.app.services.access.idle();
    expect(h.sim.indicators()).toMatchObject({ green: false, red: true });
  });
});
