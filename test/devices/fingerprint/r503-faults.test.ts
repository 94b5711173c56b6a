import { describe, expect, it } from "vitest";
import { Command } from "../../../devices/fingerprint/packet-codec.js";
import { PATH, r503Rig } from "./r503-rig.js";

describe("R503Fingerprint faults and recovery", () => {
  it("reports a wrong password, retries with back-off and recovers when it matches", async () => {
    const rig = r503Rig({ password: 0x1234 });
    await expect(rig.driver.start()).resolves.toBe(false);
    expect(rig.faults).toEqual([
      { device: "fingerprint", detail: "handshake failed: wrong module password", atMs: expect.any(Number) },
    ]);
    expect(rig.driver.state).toBe("recovering");
    rig.sensor.password = 0x1234;
    await rig.clock.advance(1000);
    expect(rig.recovered).toHaveLength(1);
    expect(rig.faults).toHaveLength(1);
    expect(rig.driver.state).toBe("ready");
  });

  it("times out a silent module after the configured command timeout", async () => {
    const rig = r503Rig({ commandTimeoutMs: 300 });
    rig.sensor.silent = true;
    const t0 = rig.clock.now();
    const started = rig.driver.start();
    await rig.clock.advance(299);
    expect(rig.faults).toHaveLength(0);
    await rig.clock.advance(1);
    await expect(started).resolves.toBe(false);
    expect(rig.faults).toEqual([
      {
        device: "fingerprint",
        detail: "handshake failed: no answer to VfyPwd within 300 ms",
        atMs: t0 + 300,
      },
    ]);
  });

  it("a slow poll interval never makes a healthy, idle sensor look silent", async () => {
    // poll_ms may be set up to 5000 ms: the watchdog must wait at least one poll plus its answer.
    const rig = r503Rig({ pollIntervalMs: 5000 });
    await rig.driver.start();
    await rig.clock.advance(60_000);
    expect(rig.faults).toEqual([]);
    rig.sensor.silent = true;
    await rig.clock.advance(6000);
    expect(rig.faults).toHaveLength(1);
  });

  it("faults 2 s after the last valid answer when the module goes quiet mid-run (issue 11 F2)", async () => {
    const rig = r503Rig();
    let lastAnswerMs = 0;
    rig.sensor.onCommand(() => {
      if (!rig.sensor.silent) lastAnswerMs = rig.clock.now();
    });
    await rig.driver.start();
    await rig.clock.advance(1000);
    rig.sensor.silent = true;
    await rig.clock.advance(lastAnswerMs + 1999 - rig.clock.now());
    expect(rig.faults).toHaveLength(0);
    await rig.clock.advance(1);
    expect(rig.faults).toHaveLength(1);
    expect(rig.faults[0]?.atMs).toBeLessThanOrEqual(lastAnswerMs + 2000);
    // The first poll timed out after 1000 ms; the second is still waiting when the watchdog fires.
    expect(rig.faults[0]?.detail).toBe("no answer to GenImg within 1000 ms; no valid answer for 2000 ms");
    // The module stays quiet: reconnects keep failing but the fault is reported only once.
    await rig.clock.advance(20_000);
    expect(rig.faults).toHaveLength(1);
    rig.sensor.silent = false;
    await rig.clock.advance(40_000);
    expect(rig.recovered).toHaveLength(1);
  });

  it("a throwing event handler stops neither the fault handling nor the recovery (F1)", async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      const rig = r503Rig({
        events: {
          deviceFault: () => {
            throw new Error("buggy fault listener");
          },
          deviceRecovered: (e) => rig.recovered.push(e),
        },
      });
      await rig.driver.start();
      rig.sensor.silent = true;
      await rig.clock.advance(3000);
      expect(rig.driver.state).toBe("recovering");
      rig.sensor.silent = false;
      await rig.clock.advance(10_000);
      expect(rig.recovered).toHaveLength(1);
      expect(rig.driver.state).toBe("ready");
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(unhandled.map(String)).toEqual([]);
  });

  it("recovery needs a working Search: a probe answered with an error code waits out the probation (F7)", async () => {
    const rig = r503Rig({ recoveryProbationMs: 30_000 });
    await rig.driver.start();
    rig.sensor.silent = true;
    await rig.clock.advance(3000);
    expect(rig.faults).toHaveLength(1);
    rig.sensor.forcedAnswers.set(Command.Search, 0x01);
    rig.sensor.silent = false;
    await rig.clock.advance(5000); // reconnected: the handshake works, the Search probe does not
    expect(rig.driver.state).toBe("ready");
    expect(rig.recovered).toHaveLength(0);
    await rig.clock.advance(24_000);
    expect(rig.recovered).toHaveLength(0);
    await rig.clock.advance(6000); // 30 s of valid identify answers since the reconnect
    expect(rig.recovered).toHaveLength(1);
    expect(rig.faults).toHaveLength(1);
  });

  it("recovery at once when the reconnect's Search probe gives a verdict", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    rig.sensor.unanswered.add(Command.Search);
    rig.sensor.placeFinger("someone");
    await rig.clock.advance(3000);
    expect(rig.faults).toHaveLength(1);
    rig.sensor.liftFinger();
    await rig.clock.advance(30_000); // Search still unanswered: every reconnect's probe fails
    expect(rig.recovered).toHaveLength(0);
    expect(rig.faults).toHaveLength(1);
    rig.sensor.unanswered.clear();
    await rig.clock.advance(35_000);
    expect(rig.recovered).toHaveLength(1);
  });

  it("reconnects after an unplug with back-off doubling from 1 s to 30 s on the injected clock", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    await rig.clock.advance(500);
    const t0 = rig.clock.now();
    rig.opener.unplug(PATH);
    expect(rig.faults).toHaveLength(1);
    expect(rig.faults[0]).toMatchObject({ device: "fingerprint", atMs: t0 });
    expect(rig.faults[0]?.detail).toMatch(/serial port closed: .*disconnected/);
    rig.opener.attempts.length = 0;
    await rig.clock.advance(125_000);
    expect(rig.opener.attempts.map((a) => a.atMs - t0)).toEqual([
      1000, 3000, 7000, 15_000, 31_000, 61_000, 91_000, 121_000,
    ]);
    expect(rig.opener.attempts.every((a) => !a.ok)).toBe(true);
    rig.opener.replug(PATH);
    await rig.clock.advance(30_000);
    expect(rig.recovered).toEqual([{ device: "fingerprint", atMs: t0 + 151_000 }]);
    expect(rig.driver.state).toBe("ready");
    // The back-off resets after a recovery.
    rig.opener.attempts.length = 0;
    const t1 = rig.clock.now();
    rig.opener.unplug(PATH);
    rig.opener.replug(PATH);
    await rig.clock.advance(1000);
    expect(rig.opener.attempts.map((a) => [a.atMs - t1, a.ok])).toEqual([[1000, true]]);
    expect(rig.recovered).toHaveLength(2);
  });

  it("keeps identifying after a replug, with the module's templates intact", async () => {
    const rig = r503Rig();
    rig.sensor.preload(12, "judy");
    await rig.driver.start();
    rig.opener.unplug(PATH);
    rig.opener.replug(PATH);
    await rig.clock.advance(1500);
    rig.sensor.placeFinger("judy");
    await rig.clock.advance(500);
    expect(rig.matched.map((m) => m.slot)).toEqual([12]);
  });

  it("fails a command in flight when the port vanishes during enrolment", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    rig.sensor.busyMs = 100;
    const enrolling = rig.driver.enroll(3, () => undefined).catch((e: Error) => e);
    await rig.clock.advance(50);
    rig.opener.unplug(PATH);
    await rig.clock.advance(10);
    expect(await enrolling).toBeInstanceOf(Error);
    expect(rig.faults).toHaveLength(1);
    expect(rig.driver.state).toBe("recovering");
  });
});
