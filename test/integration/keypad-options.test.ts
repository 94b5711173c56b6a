import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

describe("keypad options in config reach the whole app", () => {
  it("a TCA8418 with keypad.interrupt_gpio is drained on INT, without polling the bus while idle", async () => {
    h = await startHarness({ keypad: { interrupt_gpio: 4 } });
    h.addUserWithPin("alice", "1234");
    h.sim.i2c.transactions = [];
    await h.clock.advance(500);
    expect(h.sim.i2c.transactions).toHaveLength(0); // idle: nobody polls
    await h.type("1234#");
    expect(h.app.services.audit.last()).toMatchObject({ reason: "granted" });
    expect(h.sim.door.boltReleased).toBe(true);
  });

  it("keypad.driver pcf8574 scans a matrix on a PCF8574 at its own address", async () => {
    h = await startHarness({ keypad: { driver: "pcf8574", address: 0x20 } });
    h.addUserWithPin("alice", "1234");
    for (const key of "1234#") {
      h.sim.keypad.press(key as "1");
      await h.clock.advance(200);
    }
    await h.app.services.access.idle();
    expect(h.app.services.audit.last()).toMatchObject({ reason: "granted" });
    expect(h.sim.door.boltReleased).toBe(true);
  });
});
