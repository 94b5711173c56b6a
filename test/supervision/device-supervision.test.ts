import { afterEach, describe, expect, it } from "vitest";
import type { AuditRecord } from "../../src/audit/audit-log.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const rows = (reason: string): AuditRecord[] =>
  h.app.services.audit.tail(1000).filter((r) => r.reason === reason);
const faultsOf = (device: string) => rows("fault").filter((r) => r.detail?.device === device);
const health = (device: string) => h.app.services.health.get(device)?.state;

describe("device supervision (fake time)", () => {
  it("a keypad going silent is a fault within 2 s, retried with back-off, and its recovery is logged", async () => {
    h = await startHarness();
    const start = h.clock.now();
    h.sim.i2c.nack(0x34, true);
    await h.clock.advance(2000);
    expect(faultsOf("keypad")).toHaveLength(1);
    expect((faultsOf("keypad")[0]?.tsMs ?? Number.POSITIVE_INFINITY) - start).toBeLessThanOrEqual(2000);
    expect(health("keypad")).toBe("failed");
    expect(h.app.services.health.overall()).toBe("failed");
    // Keypad faults do not stop the door: REX still opens it.
    expect(h.app.services.door.status().phase).toBe("locked");
    await h.clock.advance(10_000);
    expect(faultsOf("keypad")).toHaveLength(1); // one event per outage, not one per retry
    h.sim.i2c.nack(0x34, false);
    await h.clock.advance(6000);
    expect(rows("recovered").map((r) => r.detail?.device)).toEqual(["keypad"]);
    expect(health("keypad")).toBe("degraded");
    await h.clock.advance(30_000);
    expect(health("keypad")).toBe("ok");
  });

  it("a keypad erroring a few times (bus errors) faults and comes back by itself", async () => {
    h = await startHarness();
    h.sim.i2c.failNext(0x34, 3);
    await h.clock.advance(2000);
    expect(faultsOf("keypad")).toHaveLength(1);
    expect(rows("recovered")).toHaveLength(1);
    expect(health("keypad")).toBe("degraded");
  });

  it("a relay line that stops answering puts the door in fault within 2 s: no PIN unlock, no REX", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    const start = h.clock.now();
    h.sim.gpio.pin(17).failure = new Error("EIO reading GPIO 17");
    await h.clock.advance(2000);
    const fault = faultsOf("lock")[0];
    expect(fault?.detail).toMatchObject({ device: "lock", detail: "EIO reading GPIO 17" });
    expect((fault?.tsMs ?? Number.POSITIVE_INFINITY) - start).toBeLessThanOrEqual(2000);
    expect(faultsOf("lock")).toHaveLength(1); // the door does not log the same fault again
    expect(h.app.services.door.status()).toMatchObject({ phase: "fault", lock: "locked" });
    expect(health("lock")).toBe("failed");

    await h.type("1234#");
    expect(rows("door_fault")).toHaveLength(1);
    expect(rows("granted")).toHaveLength(0);
    h.sim.pressExit();
    await h.clock.advance(300);
    await h.app.services.access.idle();
    expect(rows("exit_request").at(-1)).toMatchObject({
      outcome: "denied",
      detail: { problem: "door_fault" },
    });
    expect(h.sim.door.pulseCount()).toBe(0);

    h.sim.gpio.pin(17).failure = null;
    await h.clock.advance(6000);
    expect(rows("recovered").map((r) => r.detail?.device)).toContain("lock");
    expect(h.app.services.door.status().phase).toBe("locked");
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
  });

  it("a failed door contact: door in fault, PIN refused, but REX still releases the lock", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    h.sim.gpio.pin(27).failure = new Error("contact wire read error");
    await h.clock.advance(1500);
    expect(faultsOf("door_contact")).toHaveLength(1);
    expect(h.app.services.door.status().phase).toBe("fault");
    expect(health("lock")).toBe("ok");

    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(false);
    expect(rows("door_fault")).toHaveLength(1);

    h.sim.pressExit();
    await h.clock.advance(50);
    await h.app.services.access.idle();
    expect(rows("exit_request").at(-1)).toMatchObject({ outcome: "granted" });
    expect(h.sim.door.boltReleased).toBe(true);
    expect(h.app.services.door.status().phase).toBe("fault"); // still unknown whether the door shut
    await h.clock.advance(h.settings.door.unlock_ms + 100);
    expect(h.sim.door.boltReleased).toBe(false);

    h.sim.gpio.pin(27).failure = null;
    await h.clock.advance(6000);
    expect(h.app.services.door.status().phase).toBe("locked");
  });

  it("a relay and contact both failed: the door leaves fault only when both answer again", async () => {
    h = await startHarness();
    h.sim.gpio.pin(17).failure = new Error("relay gone");
    h.sim.gpio.pin(27).failure = new Error("contact gone");
    await h.clock.advance(1500);
    expect(h.app.services.door.status().fault).toMatch(/relay gone.*contact gone|contact gone.*relay gone/);
    h.sim.gpio.pin(27).failure = null;
    await h.clock.advance(6000);
    expect(h.app.services.door.status().phase).toBe("fault");
    h.sim.gpio.pin(17).failure = null;
    await h.clock.advance(6000);
    expect(h.app.services.door.status().phase).toBe("locked");
  });
});
