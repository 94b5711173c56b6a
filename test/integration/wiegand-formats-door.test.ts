import { afterEach, describe, expect, it } from "vitest";
import { encodeWiegand, type WiegandFormat } from "../../devices/badge/wiegand-frame.js";
import { accessRows, giveBadge } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

// The first 26 bits of W34 card 87654400 are a valid W26 frame of card 342400 (see
// test/simulator/virtual-wiegand-formats.test.ts): a truncated frame that reads as someone else.
const ALICE_W34 = 87654400;
const CAROL_W26 = 342400;

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

async function send(bits: (0 | 1)[]): Promise<void> {
  const sent = h.sim.wiegand.presentRaw(bits);
  await h.clock.advance(200);
  await sent;
  await h.app.services.access.idle();
}

async function doorWithTwoBadges(formats?: WiegandFormat[]): Promise<void> {
  h = await startHarness(formats ? { badge: { wiegand: { formats } } } : {});
  giveBadge(h, h.addUserWithPin("alice", "1234"), String(ALICE_W34));
  giveBadge(h, h.addUserWithPin("carol", "5678"), String(CAROL_W26));
}

describe("a records-room door whose Wiegand reader is set to the format it sends", () => {
  it("W34: a truncated 34-bit frame is logged bad_read denied, no lockout count, and the door stays locked", async () => {
    await doorWithTwoBadges(["W34"]);
    await send(encodeWiegand(ALICE_W34, "W34").slice(0, 26));
    const row = h.app.services.audit.tail(20).find((r) => r.kind === "access");
    expect(row).toMatchObject({ outcome: "denied", reason: "bad_read", credential: "badge" });
    expect(row?.detail).toEqual({ format: "W26", problem: "34-bit frame expected, got 26 bits" });
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.app.services.access.lockoutState("badge").failures).toBe(0);
  });

  it("W34: a genuine W26 card is bad_read too, and the W34 card still grants", async () => {
    await doorWithTwoBadges(["W34"]);
    await send(encodeWiegand(CAROL_W26, "W26"));
    await send(encodeWiegand(ALICE_W34, "W34"));
    expect(accessRows(h)).toEqual([
      ["bad_read", "denied", "badge"],
      ["granted", "granted", "badge"],
    ]);
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("by default (no formats set) both formats still grant, as before", async () => {
    await doorWithTwoBadges();
    await send(encodeWiegand(ALICE_W34, "W34"));
    await send(encodeWiegand(CAROL_W26, "W26"));
    expect(accessRows(h)).toEqual([
      ["granted", "granted", "badge"],
      ["granted", "granted", "badge"],
    ]);
  });
});
