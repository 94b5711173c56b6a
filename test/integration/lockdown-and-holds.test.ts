import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";
import { switchMode } from "./policy-helpers.js";

let h: Harness | null = null;
afterEach(async () => {
  await h?.app.stop();
  h = null;
});

describe("lockdown against the paths that do not go through decide()", () => {
  it("a remote unlock (MQTT, Home Assistant, web 'unlock once') is refused and logged as denied in lockdown", async () => {
    h = await startHarness();
    await switchMode(h.app.services.commands, h.settings.door_id, "lockdown");
    await h.clock.advance(1000);
    await expect(h.app.services.access.remoteUnlock({ via: "mqtt" })).rejects.toThrow(/lockdown/);
    await h.clock.advance(100);
    expect(h.sim.door.boltReleased).toBe(false);
    const last = h.app.services.audit.last();
    expect(last).toMatchObject({ reason: "lockdown", credential: "remote", outcome: "denied" });
    expect(h.reasons()).not.toContain("remote_unlock");
  });

  it("a remote unlock while the lock output is in fault logs a denial, never a grant", async () => {
    h = await startHarness();
    h.app.services.door.enterFault("lock: test", "lock");
    await expect(h.app.services.access.remoteUnlock({ via: "mqtt" })).rejects.toThrow(/fault/);
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "door_fault",
      credential: "remote",
      outcome: "denied",
    });
  });

  it("request-to-exit still releases the door in lockdown: egress is never blocked (deliberate)", async () => {
    h = await startHarness();
    await switchMode(h.app.services.commands, h.settings.door_id, "lockdown");
    await h.clock.advance(1000);
    h.sim.pressExit();
    await h.clock.advance(100);
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.app.services.audit.last()).toMatchObject({ reason: "exit_request", outcome: "granted" });
  });
});

describe("emergency unlock while the lock output is in fault", () => {
  it("records one fault and does not log a hold 'started' on every poll that never started", async () => {
    h = await startHarness();
    await switchMode(h.app.services.commands, h.settings.door_id, "emergency_unlock");
    await h.clock.advance(1000);
    expect(h.sim.door.boltReleased).toBe(true);
    h.app.services.door.enterFault("lock: test", "lock");
    await h.clock.advance(10_000);
    expect(h.sim.door.boltReleased).toBe(false);
    const started = h.reasons().filter((r) => r === "emergency_unlock_started");
    expect(started).toHaveLength(1);
    // When the fault clears the evacuation hold resumes (the mode is still emergency).
    h.app.services.door.clearFault("lock");
    await h.clock.advance(1000);
    expect(h.sim.door.boltReleased).toBe(true);
  });
});
