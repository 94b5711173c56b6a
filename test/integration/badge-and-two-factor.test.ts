import { afterEach, describe, expect, it } from "vitest";
import { bitsFromString, encodeWiegand } from "../../devices/badge/wiegand-frame.js";
import { accessRows, giveBadge, giveFinger, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

async function swipe(number: number, format: "W26" | "W34" = "W26"): Promise<void> {
  const sent = h.sim.wiegand.present(number, format);
  await h.clock.advance(150);
  await sent;
  await h.app.services.access.idle();
}

describe("badges through the whole app", () => {
  it("a known W26 badge on the simulator's Wiegand reader opens the door", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveBadge(h, code, "12345678");
    await swipe(12345678);
    expect(h.app.services.audit.tail(20).find((r) => r.kind === "access")).toMatchObject({
      outcome: "granted",
      credential: "badge",
      userCode: code,
    });
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("the badge number is never written in clear: only its keyed hash is stored", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveBadge(h, code, "12345678");
    await swipe(12345678);
    const dump =
      JSON.stringify(h.app.services.db.prepare("SELECT * FROM credentials").all()) +
      JSON.stringify(h.app.services.audit.tail(100));
    expect(dump).not.toContain("12345678");
  });

  it("an unknown badge is denied unknown_credential", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await swipe(4242);
    expect(accessRows(h)).toEqual([["unknown_credential", "denied", "badge"]]);
  });

  it("a frame with bad parity is a logged bad_read, never a grant, even for a known number", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveBadge(h, code, "12345678");
    const bits = encodeWiegand(12345678, "W26");
    bits[25] = bits[25] === 1 ? 0 : 1; // flip the odd parity bit
    const sent = h.sim.wiegand.presentRaw(bits);
    await h.clock.advance(150);
    await sent;
    await h.app.services.access.idle();
    const row = h.app.services.audit.tail(20).find((r) => r.kind === "access");
    expect(row).toMatchObject({ outcome: "denied", reason: "bad_read", credential: "badge" });
    expect(row?.detail).toEqual({ format: "W26", problem: "bad_parity" });
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.app.services.access.lockoutState().failures).toBe(0);
  });

  it("a wrong-length burst is bad_read too", async () => {
    h = await startHarness();
    const sent = h.sim.wiegand.presentRaw(bitsFromString("10110011101"));
    await h.clock.advance(150);
    await sent;
    await h.app.services.access.idle();
    expect(accessRows(h)).toEqual([["bad_read", "denied", "badge"]]);
  });

  it("an RDM6300 reader: a good tag opens, a bad checksum is bad_read", async () => {
    h = await startHarness({ badge: { reader: "rdm6300" } });
    const code = h.addUserWithPin("alice", "1234");
    giveBadge(h, code, "12345678");
    h.sim.rdm6300.corruptChecksum = true;
    h.sim.rdm6300.present((12345678).toString(16).padStart(8, "0"));
    await h.clock.advance(100);
    h.sim.rdm6300.remove();
    await h.app.services.access.idle();
    expect(accessRows(h)).toEqual([["bad_read", "denied", "badge"]]);
    h.sim.rdm6300.corruptChecksum = false;
    h.sim.rdm6300.present((12345678).toString(16).padStart(8, "0"));
    await h.clock.advance(1000); // repeats every 250 ms: still one attempt
    h.sim.rdm6300.remove();
    await h.app.services.access.idle();
    expect(accessRows(h)).toEqual([
      ["bad_read", "denied", "badge"],
      ["granted", "granted", "badge"],
    ]);
  });
});

describe("two-factor modes", () => {
  it("pin_and_fingerprint: PIN then the same person's finger within the window opens", async () => {
    h = await startHarness({ access: { mode: "pin_and_fingerprint" } });
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    await h.type("1234#");
    const waiting = h.app.services.audit.last();
    expect(waiting).toMatchObject({
      reason: "awaiting_second_factor",
      outcome: null,
      credential: "pin",
      userCode: code,
    });
    expect(h.sim.indicators().green).toBe(true); // the waiting pattern blinks green
    expect(h.sim.fingerprint.led).toMatchObject({ control: 1, colour: 3 }); // breathing purple
    expect(h.sim.door.pulseCount()).toBe(0);
    await h.clock.advance(3000);
    await touch(h, "finger-1");
    const granted = h.app.services.audit
      .tail(20)
      .filter((r) => r.kind === "access")
      .at(-1);
    expect(granted).toMatchObject({ outcome: "granted", credential: "fingerprint", userCode: code });
    expect(granted?.detail).toEqual({ factors: ["pin", "fingerprint"] });
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("badge_and_pin, either order: badge then PIN", async () => {
    h = await startHarness({ access: { mode: "badge_and_pin" } });
    const code = h.addUserWithPin("alice", "1234");
    giveBadge(h, code, "777");
    await swipe(777);
    await h.type("1234#");
    expect(accessRows(h)).toEqual([
      ["awaiting_second_factor", null, "badge"],
      ["granted", "granted", "pin"],
    ]);
  });

  it("a second factor from someone else is factor_mismatch and counts toward lockout", async () => {
    h = await startHarness({ access: { mode: "badge_and_fingerprint" }, lockout: { max_failures: 2 } });
    const alice = h.addUserWithPin("alice", "1234");
    const bob = h.addUserWithPin("bob", "5678");
    giveBadge(h, alice, "1001");
    giveFinger(h, bob, 2);
    await swipe(1001);
    await touch(h, "finger-2");
    const mismatch = h.app.services.audit
      .tail(20)
      .filter((r) => r.kind === "access")
      .at(-1);
    expect(mismatch).toMatchObject({
      reason: "factor_mismatch",
      outcome: "denied",
      credential: "fingerprint",
      userCode: bob,
    });
    expect(mismatch?.detail).toEqual({ first_credential: "badge", first_user_code: alice });
    expect(h.app.services.access.lockoutState("fingerprint").failures).toBe(1);
    await swipe(1001);
    await touch(h, "finger-2");
    expect(h.app.services.access.lockoutState("fingerprint").lockedOut).toBe(true);
    expect(h.reasons()).toContain("lockout_started");
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("a first factor left alone times out as second_factor_timeout; a late finger starts over", async () => {
    h = await startHarness({ access: { mode: "pin_and_fingerprint", second_factor_window_s: 10 } });
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    await h.type("1234#");
    await h.clock.advance(10_000);
    await h.app.services.access.idle();
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "second_factor_timeout",
      outcome: "denied",
      credential: "pin",
      userCode: code,
    });
    expect(h.app.services.access.pendingFactor()).toBeNull();
    await touch(h, "finger-1");
    expect(accessRows(h).map((r) => r[0])).toEqual([
      "awaiting_second_factor",
      "second_factor_timeout",
      "awaiting_second_factor",
    ]);
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.app.services.access.lockoutState().failures).toBe(0);
  });

  it("a disabled user's first factor is refused at once, no session", async () => {
    h = await startHarness({ access: { mode: "pin_and_fingerprint" } });
    const code = h.addUserWithPin("alice", "1234");
    h.app.services.users.setEnabled(h.app.services.users.require(code).id, false);
    await h.type("1234#");
    expect(accessRows(h)).toEqual([["user_disabled", "denied", "pin"]]);
    expect(h.app.services.access.pendingFactor()).toBeNull();
  });
});
