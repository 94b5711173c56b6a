import { describe, expect, it } from "vitest";
import type { DeviceEvents, GpioLine, Level } from "../../devices/types.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { DeviceHealth } from "../../src/supervision/device-health.js";
import { LineProbe } from "../../src/supervision/line-probe.js";

/** A line whose read() can answer, reject, or hang (never settle), and counts the attempts. */
function scriptedLine() {
  let mode: "ok" | "error" | "silent" = "ok";
  let reads = 0;
  const line: GpioLine = {
    read: () => {
      reads++;
      if (mode === "ok") return Promise.resolve(0 as Level);
      if (mode === "error") return Promise.reject(new Error("EIO"));
      return new Promise<Level>(() => {});
    },
    write: async () => {},
    watch: () => () => {},
    close: async () => {},
  };
  return {
    line,
    set: (m: typeof mode) => {
      mode = m;
    },
    reads: () => reads,
  };
}

function rig() {
  const clock = new FakeClock();
  const l = scriptedLine();
  const faults: DeviceEvents["deviceFault"][] = [];
  const recoveries: DeviceEvents["deviceRecovered"][] = [];
  const probe = new LineProbe({
    device: "lock",
    line: l.line,
    clock,
    onFault: (e) => faults.push(e),
    onRecovered: (e) => recoveries.push(e),
  });
  probe.start();
  return { clock, l, faults, recoveries, probe };
}

describe("LineProbe", () => {
  it("a line that goes silent (read never settles) is a fault within 2 s", async () => {
    const r = rig();
    await r.clock.advance(5_000);
    expect(r.faults).toEqual([]);
    const t0 = r.clock.now();
    r.l.set("silent");
    await r.clock.advance(2_000);
    expect(r.faults).toHaveLength(1);
    expect(r.faults[0]?.detail).toBe("no answer within 500 ms");
    expect((r.faults[0]?.atMs ?? Number.POSITIVE_INFINITY) - t0).toBeLessThanOrEqual(2_000);
    r.probe.stop();
  });

  it("an erroring line is reported once, retried with growing back-off, and its recovery reported", async () => {
    const r = rig();
    r.l.set("error");
    await r.clock.advance(1_000);
    expect(r.faults).toEqual([{ device: "lock", detail: "EIO", atMs: r.clock.now() }]);
    const readsAtFault = r.l.reads();
    await r.clock.advance(20_000);
    // 500, 1000, 2000, 4000, then every 5000 ms: about 7 retries in 20 s, not 20 (one per second).
    const retries = r.l.reads() - readsAtFault;
    expect(retries).toBeGreaterThanOrEqual(5);
    expect(retries).toBeLessThanOrEqual(8);
    expect(r.faults).toHaveLength(1);
    r.l.set("ok");
    await r.clock.advance(5_000);
    expect(r.recoveries).toHaveLength(1);
    // Healthy again: back to one read a second.
    const before = r.l.reads();
    await r.clock.advance(3_000);
    expect(r.l.reads() - before).toBe(3);
    r.probe.stop();
    expect(r.clock.pendingTimers()).toBe(0);
  });
});

describe("DeviceHealth", () => {
  it("failed -> degraded on recovery -> ok after the probation period; a new failure counts", async () => {
    const clock = new FakeClock();
    const health = new DeviceHealth(clock, 10_000);
    const changes: string[] = [];
    health.onChange((d, e, prev) => changes.push(`${d}:${prev}->${e.state}`));
    health.register("keypad");
    health.register("lock");
    expect(health.overall()).toBe("ok");
    health.failed("keypad", "NACK");
    expect(health.get("keypad")).toMatchObject({ state: "failed", detail: "NACK", faults: 1 });
    expect(health.overall()).toBe("failed");
    health.degraded("keypad", "overflow"); // does not hide a failure
    expect(health.get("keypad")?.state).toBe("failed");
    health.recovered("keypad");
    expect(health.overall()).toBe("degraded");
    await clock.advance(10_000);
    expect(health.snapshot()).toMatchObject({ keypad: { state: "ok", faults: 1 }, lock: { state: "ok" } });
    expect(changes).toEqual(["keypad:ok->failed", "keypad:failed->degraded", "keypad:degraded->ok"]);
  });
});
