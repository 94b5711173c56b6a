import { afterEach, describe, expect, it } from "vitest";
import { Command } from "../../devices/fingerprint/packet-codec.js";
import { SimConsole } from "../../src/admin/sim-console.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { giveFinger, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

/** Issue 11 F2–F4, F6, F7: how fast and how honestly a failing sensor is reported, on the fake clock. */
let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const rowsOf = (reason: string, device = "fingerprint") =>
  h.app.services.audit
    .tail(1000)
    .filter((r) => r.kind === "system" && r.reason === reason && r.detail?.device === device);

/** Clock time of the virtual sensor's last answer that went out intact. */
function watchGoodAnswers(harness: Harness, broken: () => boolean): () => number {
  let last = harness.clock.now();
  harness.sim.fingerprint.onCommand(() => {
    if (!broken()) last = harness.clock.now();
  });
  return () => last;
}

describe("a failing fingerprint sensor is a fault within 2 s of its last good answer (F2)", () => {
  const breakages: Array<[string, (h: Harness) => void]> = [
    ["silence", (x) => (x.sim.fingerprint.silent = true)],
    ["garbage answers", (x) => (x.sim.fingerprint.garbage = true)],
    ["bad checksums", (x) => (x.sim.fingerprint.corruptNextAnswers = 1_000_000)],
  ];
  for (const [name, breakIt] of breakages) {
    it(`${name}: one fault row, at most 2000 ms after the last good answer`, async () => {
      h = await startHarness();
      let broken = false;
      const lastGood = watchGoodAnswers(h, () => broken);
      await h.clock.advance(1010);
      breakIt(h);
      broken = true;
      await h.clock.advance(5000);
      const faults = rowsOf("fault");
      expect(faults).toHaveLength(1);
      expect((faults[0]?.tsMs ?? Number.POSITIVE_INFINITY) - lastGood()).toBeLessThanOrEqual(2000);
      expect(h.sim.door.boltReleased).toBe(false);
    });
  }
});

describe("error answers and malformed answers (F3)", () => {
  it("a sensor answering every command with 0x01 is a fault within 2 s naming the code", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    await h.clock.advance(1000);
    const brokeAt = h.clock.now();
    h.sim.fingerprint.answerEveryCommandWith = 0x01;
    h.sim.fingerprint.placeFinger("finger-1");
    await h.clock.advance(2000);
    const faults = rowsOf("fault");
    expect(faults).toHaveLength(1);
    expect((faults[0]?.tsMs ?? Number.POSITIVE_INFINITY) - brokeAt).toBeLessThanOrEqual(2000);
    expect(String(faults[0]?.detail?.detail)).toContain("0x01");
    expect(h.app.services.health.get("fingerprint")?.state).toBe("failed");
    // 25 s of it: still one fault row, never a grant.
    await h.clock.advance(25_000);
    expect(rowsOf("fault")).toHaveLength(1);
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("a Search answered ok without page and score is logged once, not rescanned every poll", async () => {
    const { logger, lines } = captureLogger("warn");
    h = await startHarness({}, { logger });
    const code = h.addUserWithPin("bob", "4321");
    giveFinger(h, code, 2);
    h.sim.fingerprint.malformedSearch = true;
    let searches = 0;
    h.sim.fingerprint.onCommand((command) => {
      if (command === Command.Search) searches++;
    });
    h.sim.fingerprint.placeFinger("finger-2");
    await h.clock.advance(3000);
    expect(searches).toBe(1);
    const warnings = lines.filter((l) => String(l.msg).includes("protocol"));
    expect(warnings).toHaveLength(1);
    expect(JSON.stringify(warnings[0])).toContain("Search answered ok without page and score");
    expect(h.sim.door.pulseCount()).toBe(0);
    // Lifted and placed again: read again (and logged again: one line per placement).
    h.sim.fingerprint.liftFinger();
    await h.clock.advance(300);
    h.sim.fingerprint.malformedSearch = false;
    await touch(h, "finger-2");
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});

describe("status lists every configured device from the start (F4)", () => {
  it("fingerprint and badge reader show as ok before anything happens to them", async () => {
    h = await startHarness({ badge: { reader: "wiegand" } });
    const status = new SimConsole(h.app, h.sim, h.clock, () => undefined).status();
    expect(status).toContain("fingerprint:ok");
    expect(status).toContain("badge_reader:ok");
    expect(status).toContain("keypad:ok");
  });

  it("a disabled fingerprint sensor is not listed", async () => {
    h = await startHarness({ fingerprint: { enabled: false } });
    expect(Object.keys(h.app.services.health.snapshot())).not.toContain("fingerprint");
  });
});

describe("recovery (F6, F7)", () => {
  it("a finger left on the glass through an outage is not granted again until it is lifted", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("carol", "5678");
    giveFinger(h, code, 3);
    h.sim.fingerprint.placeFinger("finger-3");
    await h.clock.advance(1000);
    await h.app.services.access.idle();
    expect(h.sim.door.pulseCount()).toBe(1);
    h.sim.fingerprint.silent = true;
    await h.clock.advance(4000);
    expect(rowsOf("fault")).toHaveLength(1);
    h.sim.fingerprint.silent = false;
    await h.clock.advance(20_000);
    await h.app.services.access.idle();
    expect(rowsOf("recovered")).toHaveLength(1);
    expect(h.sim.door.pulseCount()).toBe(1);
    h.sim.fingerprint.liftFinger();
    await h.clock.advance(500);
    await touch(h, "finger-3");
    expect(h.sim.door.pulseCount()).toBe(2);
  });

  it("only Search failing (the handshake works): one fault row until Search answers again", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("dave", "2468");
    giveFinger(h, code, 4);
    h.sim.fingerprint.unanswered.add(Command.Search);
    h.sim.fingerprint.placeFinger("finger-4");
    await h.clock.advance(3000);
    expect(rowsOf("fault")).toHaveLength(1);
    // Lifted and placed again and again for a minute: no flapping.
    for (let i = 0; i < 20; i++) {
      h.sim.fingerprint.liftFinger();
      await h.clock.advance(1500);
      h.sim.fingerprint.placeFinger("finger-4");
      await h.clock.advance(1500);
    }
    expect(rowsOf("fault")).toHaveLength(1);
    expect(rowsOf("recovered")).toHaveLength(0);
    expect(h.app.services.health.get("fingerprint")?.state).toBe("failed");
    h.sim.fingerprint.unanswered.clear();
    h.sim.fingerprint.liftFinger();
    await h.clock.advance(35_000);
    expect(rowsOf("recovered")).toHaveLength(1);
    await touch(h, "finger-4");
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});
