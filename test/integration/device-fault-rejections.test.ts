import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { SensorRequestStore } from "../../src/store/sensor-request-store.js";
import { giveBadge, giveFinger, swipe } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/**
 * Every driver's fault paths on the whole controller, with a process-level unhandledRejection
 * handler that fails the test: one rejection nobody handles takes the service down (issue 11 F1).
 */
let h: Harness | undefined;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeEach(() => {
  unhandled.length = 0;
  h = undefined;
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  await h?.app.stop();
  // Node reports unhandled rejections after the microtask queue drains: give it a few turns.
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
  process.off("unhandledRejection", onUnhandled);
  expect(unhandled.map(String)).toEqual([]);
});

const PORT = "/dev/ttyAMA0";
const rows = (reason: string) =>
  (h as Harness).app.services.audit.tail(1000).filter((r) => r.reason === reason);
const faultsOf = (device: string) => rows("fault").filter((r) => r.detail?.device === device);
const settleNode = async () => {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** A real UART takes a couple of milliseconds per frame: writes stay in flight across timers. */
async function harnessWithRealisticSerial(overrides: Record<string, unknown> = {}): Promise<Harness> {
  const harness = await startHarness(overrides);
  harness.sim.serial.faults(PORT).toDevice.writeMs = 2;
  return harness;
}

describe("no unhandled rejection on any device path (issue 11 F1)", () => {
  it("fingerprint sensor silent, a PIN typed 1.6 s later: denied row, fault row, the service stays up", async () => {
    h = await harnessWithRealisticSerial();
    h.addUserWithPin("alice", "1234");
    await h.clock.advance(500);
    h.sim.fingerprint.silent = true;
    await h.clock.advance(1600);
    await h.type("0000#");
    await h.clock.advance(3000);
    await settleNode();
    expect(unhandled.map(String)).toEqual([]);
    expect(rows("unknown_credential")).toHaveLength(1);
    expect(faultsOf("fingerprint")).toHaveLength(1);
    // Still running: the keypad opens the door and supervision keeps going.
    await h.type("1234#");
    expect(h.sim.door.pulseCount()).toBe(1);
    expect(h.app.services.health.get("fingerprint")?.state).toBe("failed");
  });

  it("fingerprint sensor silent, a badge presented 1.6 s later: the service stays up", async () => {
    h = await harnessWithRealisticSerial();
    const code = h.addUserWithPin("bob", "4321");
    giveBadge(h, code, "4242");
    await h.clock.advance(500);
    h.sim.fingerprint.silent = true;
    await h.clock.advance(1600);
    const presented = swipe(h, 4242);
    await h.clock.advance(3000);
    await presented;
    await h.app.services.access.idle();
    expect(faultsOf("fingerprint")).toHaveLength(1);
    expect(rows("granted").filter((r) => r.credential === "badge")).toHaveLength(1);
  });

  it("fingerprint check and slot deletion requested during an outage end with an error, not a crash", async () => {
    h = await harnessWithRealisticSerial();
    const code = h.addUserWithPin("carol", "5678");
    giveFinger(h, code, 3);
    const requests = new SensorRequestStore(h.app.services.db);
    await h.clock.advance(500);
    h.sim.fingerprint.silent = true;
    const id = requests.request("check", { actor: "test" }, h.clock.now());
    requests.queueDelete(7, h.clock.now());
    await h.clock.advance(6000);
    expect(requests.get(id)?.state).toBe("failed");
    expect(faultsOf("fingerprint")).toHaveLength(1);
  });

  it("fingerprint: unplugged while LED commands and a poll are in flight", async () => {
    h = await harnessWithRealisticSerial();
    h.addUserWithPin("dave", "2468");
    await h.clock.advance(500);
    h.sim.fingerprint.busyMs = 150;
    await h.type("1111#"); // denied: LED feedback commands queue behind the poll
    h.sim.serial.unplug(PORT);
    await h.clock.advance(5000);
    h.sim.serial.replug(PORT);
    h.sim.fingerprint.busyMs = 0;
    await h.clock.advance(5000);
    expect(faultsOf("fingerprint")).toHaveLength(1);
    expect(rows("recovered").filter((r) => r.detail?.device === "fingerprint")).toHaveLength(1);
  });

  it("TCA8418 keypad: NACK, bus errors and a vanished chip", async () => {
    h = await startHarness();
    h.sim.i2c.nack(0x34, true);
    await h.clock.advance(3000);
    h.sim.i2c.nack(0x34, false);
    h.sim.i2c.failNext(0x34, 3);
    await h.clock.advance(6000);
    h.sim.i2c.detach(0x34);
    await h.clock.advance(3000);
    expect(faultsOf("keypad").length).toBeGreaterThanOrEqual(1);
  });

  it("PCF8574 keypad: NACK and bus errors", async () => {
    h = await startHarness({ keypad: { driver: "pcf8574", address: 0x20 } });
    h.sim.i2c.nack(0x20, true);
    await h.clock.advance(3000);
    h.sim.i2c.nack(0x20, false);
    await h.clock.advance(6000);
    h.sim.i2c.failNext(0x20, 5);
    await h.clock.advance(6000);
    expect(faultsOf("keypad").length).toBeGreaterThanOrEqual(1);
  });

  it("Wiegand reader: garbled frames and a line held low", async () => {
    h = await startHarness({ badge: { reader: "wiegand" } });
    const short = h.sim.wiegand.presentRaw([1, 0, 1]).catch(() => undefined);
    await h.clock.advance(500);
    await short;
    const garbled = h.sim.wiegand
      .presentRaw(Array.from({ length: 26 }, (_, i) => (i % 3 === 0 ? 1 : 0)))
      .catch(() => undefined);
    await h.clock.advance(500);
    await garbled;
    h.sim.wiegand.holdLow("d0");
    const blocked = swipe(h, 1234);
    await h.clock.advance(1000);
    await blocked;
    expect(rows("bad_read").length).toBeGreaterThanOrEqual(1);
  });

  it("RDM6300 reader: noise, then the adapter unplugged and back", async () => {
    h = await startHarness({ badge: { reader: "rdm6300" } });
    h.sim.rdm6300.noise([0x02, 0x41, 0x42, 0x03, 0xff]);
    h.sim.serial.unplug("/dev/ttyUSB0");
    await h.clock.advance(3000);
    h.sim.serial.replug("/dev/ttyUSB0");
    await h.clock.advance(10_000);
    expect(faultsOf("badge_reader")).toHaveLength(1);
  });

  it("relay and inputs: lines that stop answering, then come back", async () => {
    h = await startHarness();
    h.addUserWithPin("erin", "1357");
    for (const line of [17, 27, 22]) h.sim.gpio.pin(line).failure = new Error(`EIO on GPIO ${line}`);
    await h.clock.advance(2000);
    await h.type("1357#");
    h.sim.pressExit();
    await h.clock.advance(2000);
    for (const line of [17, 27, 22]) h.sim.gpio.pin(line).failure = null;
    await h.clock.advance(6000);
    expect(faultsOf("lock")).toHaveLength(1);
    expect(faultsOf("door_contact")).toHaveLength(1);
  });
});
