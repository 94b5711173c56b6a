import { afterEach, describe, expect, it } from "vitest";
import { captureLogger } from "../helpers/capture-logger.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

describe("fail-secure", () => {
  it("an I2C keypad that stops answering becomes a fault event; the door stays locked; recovery is logged", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    h.sim.i2c.nack(0x34, true);
    await h.clock.advance(200);
    expect(h.app.services.audit.tail(5).find((r) => r.reason === "fault")).toMatchObject({
      kind: "system",
      detail: { device: "keypad" },
    });
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.sim.indicators().red).toBe(true);
    h.sim.i2c.nack(0x34, false);
    await h.clock.advance(6000);
    expect(h.reasons()).toContain("recovered");
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
  });

  it("a relay output that fails puts the door in fault, logged, and later unlocks are refused", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    h.sim.gpio.pin(17).failure = new Error("EIO writing GPIO 17");
    await h.type("1234#");
    expect(h.app.services.door.status()).toMatchObject({ phase: "fault" });
    const fault = h.app.services.audit.tail(5).find((r) => r.reason === "fault");
    expect(fault?.detail).toMatchObject({ device: "lock" });
    // The attempt itself was logged (granted) before the relay was asked to move.
    expect(h.reasons()).toContain("granted");
    expect(h.sim.door.boltReleased).toBe(false);
  });

  it("when the log cannot be written (disk full), the door does not open", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    const { db } = h.app.services;
    // Cap the file at its current size: the next insert fails with SQLITE_FULL, as on a full disk.
    db.pragma(`max_page_count = ${db.pragma("page_count", { simple: true }) as number}`);
    // Fill the audit table's last page with genuine rows until SQLite reports SQLITE_FULL.
    expect(() => {
      for (let i = 0; i < 100_000; i++)
        h.app.services.audit.append({ kind: "system", reason: "filler" }, h.clock.now());
    }).toThrow(/full/);
    const before = h.app.services.audit.last()?.seq;
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.app.services.audit.last()?.seq, JSON.stringify(h.app.services.audit.last())).toBe(before);
    expect(h.sim.indicators().red).toBe(true);
  });

  it("a listener that throws on the event bus does not stop the others", async () => {
    const { logger, lines } = captureLogger("error");
    // Registered before the app's own listeners, so the access service's listener comes after it:
    // without the bus's isolation the throw would end the loop (and the keypad driver's own
    // try/catch would swallow it), and the PIN would never reach the access service.
    h = await startHarness(
      {},
      {
        logger,
        beforeAppStart: (app) =>
          app.bus.on("keyPressed", () => {
            throw new Error("buggy listener");
          }),
      },
    );
    h.addUserWithPin("alice", "1234");
    await h.type("1234#");
    expect(h.sim.door.boltReleased).toBe(true);
    const reported = lines.filter((l) => l.msg === "event listener failed");
    expect(reported).toHaveLength(5); // one per key, each reported rather than swallowed
    expect(reported[0]).toMatchObject({ event: "keyPressed", err: { message: "buggy listener" } });
  });
});
