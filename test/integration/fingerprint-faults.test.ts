import { afterEach, describe, expect, it } from "vitest";
import { giveFinger, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const PORT = "/dev/ttyAMA0";
const systemRows = (reason: string) =>
  h.app.services.audit.tail(500).filter((r) => r.kind === "system" && r.reason === reason);

describe("fingerprint sensor faults on the simulator", () => {
  it("the port vanishing: fault row, door locked, keypad still opens; back: recovered row, fingers work again", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    h.sim.serial.unplug(PORT);
    await h.clock.advance(100);
    expect(systemRows("fault").map((r) => r.detail)).toEqual([
      { device: "fingerprint", detail: `serial port closed: ${PORT} disconnected` },
    ]);
    expect(h.sim.door.boltReleased).toBe(false);
    expect(h.app.services.credentials.fingerprintDriver?.state).toBe("recovering");

    // Meanwhile the keypad works, and a finger on the dead sensor does nothing.
    await touch(h, "finger-1");
    expect(h.sim.door.pulseCount()).toBe(0);
    await h.type("1234#");
    expect(h.sim.door.pulseCount()).toBe(1);
    await h.clock.advance(6000);

    // Several reconnect attempts fail with back-off while it is away; one fault row only.
    await h.clock.advance(20_000);
    const failedOpens = h.sim.serial.attempts.filter((a) => !a.ok);
    expect(failedOpens.length).toBeGreaterThanOrEqual(3);
    const gaps = failedOpens.slice(1).map((a, i) => a.atMs - (failedOpens[i]?.atMs ?? 0));
    expect(gaps).toEqual([...gaps].sort((a, b) => a - b)); // growing back-off
    expect(systemRows("fault")).toHaveLength(1);

    h.sim.serial.replug(PORT);
    await h.clock.advance(35_000);
    expect(systemRows("recovered").map((r) => r.detail)).toEqual([{ device: "fingerprint" }]);
    await touch(h, "finger-1");
    expect(h.sim.door.pulseCount()).toBe(2);
  });

  it("no answer (a dead module): fault after the poll timeouts, recovered when it answers again", async () => {
    h = await startHarness();
    h.sim.fingerprint.silent = true;
    await h.clock.advance(5000);
    expect(systemRows("fault")[0]?.detail).toMatchObject({
      device: "fingerprint",
      detail: expect.stringContaining("no answer"),
    });
    expect(h.sim.door.boltReleased).toBe(false);
    h.sim.fingerprint.silent = false;
    await h.clock.advance(10_000);
    expect(systemRows("recovered")).toHaveLength(1);
  });

  it("corrupt frames: answers with bad checksums are dropped, become a fault, never a match", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    h.sim.fingerprint.corruptNextAnswers = 1000;
    h.sim.fingerprint.placeFinger("finger-1");
    await h.clock.advance(5000);
    expect(systemRows("fault")).toHaveLength(1);
    expect(h.sim.door.pulseCount()).toBe(0);
    h.sim.fingerprint.corruptNextAnswers = 0;
    h.sim.fingerprint.liftFinger();
    await h.clock.advance(10_000);
    expect(systemRows("recovered")).toHaveLength(1);
    await touch(h, "finger-1");
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("wrong module password: a fault naming it, the controller still starts and the keypad works", async () => {
    h = await startHarness({}, { beforeStart: (sim) => (sim.fingerprint.password = 0x1234) });
    h.addUserWithPin("alice", "1234");
    expect(systemRows("fault")[0]?.detail).toEqual({
      device: "fingerprint",
      detail: "handshake failed: wrong module password",
    });
    expect(h.reasons()).toContain("controller_started");
    await h.type("1234#");
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("an RDM6300 adapter unplugged and back: fault then recovered rows", async () => {
    h = await startHarness({ badge: { reader: "rdm6300" } });
    h.sim.serial.unplug("/dev/ttyUSB0");
    await h.clock.advance(3000);
    expect(systemRows("fault").map((r) => r.detail)).toEqual([
      { device: "badge_reader", detail: expect.stringContaining("closed") },
    ]);
    h.sim.serial.replug("/dev/ttyUSB0");
    await h.clock.advance(10_000);
    expect(systemRows("recovered").map((r) => r.detail)).toEqual([{ device: "badge_reader" }]);
  });
});
