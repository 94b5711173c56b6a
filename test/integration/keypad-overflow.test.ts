import { afterEach, describe, expect, it } from "vitest";
import { SimConsole } from "../../src/admin/sim-console.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/** Issue 11 item 10: a TCA8418 FIFO overflow, and typing long PINs from the console and the panel. */
let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const rows = (reason: string) => h.app.services.audit.tail(1000).filter((r) => r.reason === reason);

describe("keypad FIFO overflow", () => {
  it("discards the surviving prefix, shows an error and logs keypad_overflow; a later # submits nothing", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    let redLit = false;
    h.sim.gpio.pin(h.sim.wiring.ledRed.line).onChange(() => {
      if (h.sim.indicators().red) redLit = true;
    });
    // Keys pushed faster than the driver reads (a stalled event loop): 16 events into 10 places.
    // The survivors are "1234" then "5": without handling, a later "#" would submit "12345".
    h.sim.keypad.type("1234");
    h.sim.keypad.type("5678");
    await h.clock.advance(20);
    await h.app.services.access.idle();
    expect(rows("keypad_overflow")).toHaveLength(1);
    expect(rows("keypad_overflow")[0]).toMatchObject({ kind: "system" });
    expect(redLit).toBe(true);
    await h.clock.advance(2000);
    await h.type("#");
    expect(rows("unknown_credential")).toHaveLength(0);
    expect(h.app.services.audit.tail(1000).filter((r) => r.kind === "access")).toHaveLength(0);
    // The keypad still works afterwards.
    await h.type("1234#");
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("a surviving prefix that is a valid PIN is not submitted by the next #", async () => {
    h = await startHarness();
    h.addUserWithPin("bob", "12345");
    h.sim.keypad.type("12345678");
    await h.clock.advance(20);
    await h.type("#");
    expect(rows("keypad_overflow")).toHaveLength(1);
    expect(h.sim.door.pulseCount()).toBe(0);
  });
});

describe("typing paced like a person", () => {
  it("the console's press types an 8-digit PIN (18 key events) without overflowing the FIFO", async () => {
    h = await startHarness();
    h.addUserWithPin("carol", "12345678");
    const out: string[] = [];
    const console = new SimConsole(h.app, h.sim, h.clock, (line) => out.push(line), {
      sleep: (ms) => h.clock.advance(ms),
    });
    expect(await console.execute("press 12345678#")).toBe(true);
    expect(out.filter((l) => l.startsWith("error"))).toEqual([]);
    expect(rows("keypad_overflow")).toHaveLength(0);
    expect(rows("granted")).toHaveLength(1);
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("the simulator types key down/up every 80 ms of simulated time", async () => {
    h = await startHarness();
    h.addUserWithPin("dave", "87654321");
    const typed = h.sim.typeKeys("87654321#");
    await h.clock.advance(9 * 160);
    await typed;
    await h.app.services.access.idle();
    expect(rows("keypad_overflow")).toHaveLength(0);
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});
