import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

describe("who may pass", () => {
  it("a disabled user is denied with user_disabled, and enabled again passes", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("carol", "4321");
    const { users } = h.app.services;
    users.setEnabled(users.require("carol").id, false);
    await h.type("4321#");
    expect(h.app.services.audit.last()).toMatchObject({
      outcome: "denied",
      reason: "user_disabled",
      userCode: code,
    });
    expect(h.sim.door.boltReleased).toBe(false);
    users.setEnabled(users.require("carol").id, true);
    await h.type("4321#");
    expect(h.app.services.audit.last()).toMatchObject({ outcome: "granted", userCode: code });
  });

  it("expired and not-yet-valid users are denied with their own reasons", async () => {
    h = await startHarness();
    const { users } = h.app.services;
    h.addUserWithPin("dave", "1111");
    h.addUserWithPin("erin", "2222");
    users.setValidity(users.require("dave").id, { validUntilMs: h.clock.now() - 1 });
    users.setValidity(users.require("erin").id, { validFromMs: h.clock.now() + 86_400_000 });
    await h.type("1111#");
    expect(h.app.services.audit.last()?.reason).toBe("expired");
    await h.type("2222#");
    expect(h.app.services.audit.last()?.reason).toBe("not_yet_valid");
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("a half-typed PIN is discarded after the inter-key timeout", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await h.type("12");
    await h.clock.advance(5001);
    await h.type("34#");
    expect(h.app.services.audit.last()).toMatchObject({ outcome: "denied", reason: "invalid_format" });
    expect(h.sim.door.pulseCount()).toBe(0);
    await h.type("1234#");
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("* clears a half-typed PIN", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await h.type("99*1234#");
    expect(h.app.services.audit.last()?.reason).toBe("granted");
  });

  it("keys typed while Node is blocked are still read from the chip's FIFO, in order", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    // No clock movement between presses: the driver is not polling, as if the event loop were stuck in fsync.
    for (const key of "1234#") h.sim.keypad.press(key as "1");
    await h.clock.advance(40);
    await h.app.services.access.idle();
    expect(h.app.services.audit.last()?.reason).toBe("granted");
  });
});

describe("lockout", () => {
  it("five failures lock the keypad out for 30 s, then 60 s after the next five", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    for (let i = 0; i < 5; i++) await h.type("0000#");
    const lockout = h.app.services.audit.tail(10).find((r) => r.reason === "lockout_started");
    expect(lockout?.detail).toMatchObject({ lockout_s: 30, lockout_number: 1 });

    // The right PIN is refused while locked out, and logged as such.
    await h.type("1234#");
    expect(h.app.services.audit.last()).toMatchObject({ outcome: "denied", reason: "locked_out" });
    expect(h.sim.door.pulseCount()).toBe(0);

    await h.clock.advance(30_000);
    for (let i = 0; i < 5; i++) await h.type("0000#");
    const second = h.app.services.audit
      .tail(10)
      .filter((r) => r.reason === "lockout_started")
      .pop();
    expect(second?.detail).toMatchObject({ lockout_s: 60, lockout_number: 2 });
    await h.clock.advance(60_000);
    await h.type("1234#");
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("the back-off is capped at lockout.max_s", async () => {
    h = await startHarness({ lockout: { max_failures: 1, base_s: 30, max_s: 100 } });
    const durations: unknown[] = [];
    for (let i = 0; i < 4; i++) {
      await h.type("0000#");
      durations.push(h.app.services.audit.last()?.detail?.lockout_s);
      await h.clock.advance(100_000);
    }
    expect(durations).toEqual([30, 60, 100, 100]);
  });

  it("a restart keeps the lockout", async () => {
    h = await startHarness({ lockout: { max_failures: 2, base_s: 60, max_s: 900 } });
    await h.type("0000#");
    await h.type("0000#");
    const settings = h.settings;
    await h.app.stop();
    const { createApp } = await import("../../src/app.js");
    const { createLogger } = await import("../../src/logger.js");
    const app = createApp({
      settings,
      transports: h.sim.transports,
      clock: h.clock,
      logger: createLogger("silent"),
    });
    await app.start();
    expect(app.services.access.lockoutState().lockedOut).toBe(true);
    await app.stop();
  });
});
