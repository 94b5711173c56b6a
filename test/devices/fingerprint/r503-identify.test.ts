import { describe, expect, it } from "vitest";
import { Command } from "../../../devices/fingerprint/packet-codec.js";
import { PATH, r503Rig } from "./r503-rig.js";

describe("R503Fingerprint identify loop", () => {
  it("handshakes with VfyPwd then ReadSysPara and learns the library size", async () => {
    const rig = r503Rig();
    await expect(rig.driver.start()).resolves.toBe(true);
    expect(rig.commands.slice(0, 2)).toEqual([Command.VfyPwd, Command.ReadSysPara]);
    expect(rig.driver.librarySize).toBe(200);
    expect(rig.driver.state).toBe("ready");
  });

  it("reports a match once per placement, with slot, score and time", async () => {
    const rig = r503Rig();
    rig.sensor.preload(3, "alice-right-index");
    await rig.driver.start();
    await rig.clock.advance(500);
    rig.sensor.placeFinger("alice-right-index");
    const placedAt = rig.clock.now();
    await rig.clock.advance(250);
    expect(rig.matched).toEqual([{ slot: 3, score: 120, atMs: expect.any(Number) }]);
    expect((rig.matched[0]?.atMs ?? 0) - placedAt).toBeLessThanOrEqual(200);
    await rig.clock.advance(3000);
    expect(rig.matched).toHaveLength(1);
    rig.sensor.liftFinger();
    await rig.clock.advance(400);
    rig.sensor.placeFinger("alice-right-index");
    await rig.clock.advance(400);
    expect(rig.matched).toHaveLength(2);
    expect(rig.unknown).toHaveLength(0);
    expect(rig.faults).toHaveLength(0);
  });

  it("reports an unknown finger once until it is lifted", async () => {
    const rig = r503Rig();
    rig.sensor.preload(3, "alice-right-index");
    await rig.driver.start();
    rig.sensor.placeFinger("unknown");
    await rig.clock.advance(2000);
    expect(rig.unknown).toHaveLength(1);
    expect(rig.matched).toHaveLength(0);
  });

  it("polls GenImg at the configured interval and only after the previous answer", async () => {
    const rig = r503Rig({ pollIntervalMs: 100 });
    await rig.driver.start();
    rig.commands.length = 0;
    await rig.clock.advance(1000);
    expect(rig.commands.filter((c) => c === Command.GenImg).length).toBeGreaterThanOrEqual(9);
    expect(rig.commands.filter((c) => c === Command.GenImg).length).toBeLessThanOrEqual(11);
    // A slow module: each answer takes 400 ms, so polls come every 500 ms, never piling up.
    rig.sensor.busyMs = 400;
    await rig.clock.advance(500);
    rig.commands.length = 0;
    await rig.clock.advance(2000);
    expect(rig.commands.length).toBe(4);
    expect(rig.faults).toHaveLength(0);
  });

  it("retries a smudged capture instead of reporting it", async () => {
    const rig = r503Rig();
    rig.sensor.preload(0, "bob");
    await rig.driver.start();
    rig.sensor.placeFinger("bob", "messy");
    await rig.clock.advance(1000);
    expect(rig.matched).toHaveLength(0);
    expect(rig.unknown).toHaveLength(0);
    rig.sensor.placeFinger("bob");
    await rig.clock.advance(300);
    expect(rig.matched).toHaveLength(1);
  });

  it("survives noise on the line and counts the dropped bytes", async () => {
    const rig = r503Rig();
    rig.sensor.preload(9, "carol");
    rig.sensor.noiseBytesBeforeAnswer = 5;
    rig.opener.faults(PATH).toHost.noiseProbability = 0.5;
    await rig.driver.start();
    rig.sensor.placeFinger("carol");
    await rig.clock.advance(1000);
    expect(rig.matched.map((m) => m.slot)).toEqual([9]);
    expect(rig.driver.linkStats?.droppedBytes).toBeGreaterThan(20);
    expect(rig.faults).toHaveLength(0);
  });

  it("tolerates one corrupt answer, then faults when corruption persists, then recovers", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    rig.sensor.corruptNextAnswers = 1;
    await rig.clock.advance(2000);
    expect(rig.faults).toHaveLength(0);
    expect(rig.driver.linkStats?.badFrames).toBe(1);
    rig.sensor.corruptNextAnswers = 1_000_000;
    await rig.clock.advance(2500);
    expect(rig.faults).toHaveLength(1);
    expect(rig.faults[0]).toMatchObject({
      device: "fingerprint",
      detail: "no answer to GenImg within 1000 ms; no valid answer for 2000 ms",
    });
    rig.sensor.corruptNextAnswers = 0;
    await rig.clock.advance(5000);
    expect(rig.recovered).toHaveLength(1);
    expect(rig.driver.state).toBe("ready");
  });

  it("stops cleanly: no timers left, no more traffic", async () => {
    const rig = r503Rig();
    await rig.driver.start();
    await rig.clock.advance(500);
    await rig.driver.stop();
    rig.commands.length = 0;
    await rig.clock.advance(2000);
    expect(rig.commands).toEqual([]);
    expect(rig.clock.pendingTimers()).toBe(0);
  });
});
