import { afterEach, describe, expect, it } from "vitest";
import { accessRows, giveFinger, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

describe("fingerprint attempts through the whole app", () => {
  it("a known finger is logged granted, releases the bolt and lights the sensor ring blue", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 3, "alice-index");
    await touch(h, "alice-index");
    expect(h.app.services.audit.tail(50).find((r) => r.kind === "access")).toMatchObject({
      outcome: "granted",
      reason: "granted",
      credential: "fingerprint",
      userCode: code,
    });
    expect(h.sim.door.pulseCount()).toBe(1);
    expect(h.sim.fingerprint.led).toMatchObject({ control: 3, colour: 2 }); // steady blue
    await h.clock.advance(2500);
    expect(h.sim.fingerprint.led).toMatchObject({ control: 4 }); // back to dark
  });

  it("an unknown finger is denied unknown_credential, counts toward lockout, door stays locked", async () => {
    h = await startHarness();
    h.addUserWithPin("alice", "1234");
    await touch(h, "stranger");
    expect(accessRows(h)).toEqual([["unknown_credential", "denied", "fingerprint"]]);
    expect(h.app.services.access.lockoutState("fingerprint").failures).toBe(1);
    expect(h.sim.door.pulseCount()).toBe(0);
    expect(h.sim.fingerprint.led).toMatchObject({ control: 2, colour: 1 }); // red flash
  });

  it("a slot the sensor matches but the store does not map is denied with the slot in detail", async () => {
    h = await startHarness();
    h.sim.fingerprint.preload(7, "orphan-finger");
    await touch(h, "orphan-finger");
    const row = h.app.services.audit.tail(50).find((r) => r.kind === "access");
    expect(row).toMatchObject({
      outcome: "denied",
      reason: "unknown_credential",
      credential: "fingerprint",
      userCode: null,
    });
    expect(row?.detail).toEqual({ slot: 7 });
    expect(h.sim.door.pulseCount()).toBe(0);
  });

  it("one placement is one attempt, however long the finger stays", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    await touch(h, "finger-1", 4000);
    expect(accessRows(h)).toEqual([["granted", "granted", "fingerprint"]]);
  });

  it("removing a user deletes their template on the sensor through the running service", async () => {
    h = await startHarness();
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 4, "alice-thumb");
    h.app.services.users.remove(h.app.services.users.require(code).id); // what `doorward user remove` does
    await h.clock.advance(1200);
    expect(h.sim.fingerprint.templateAt(4)).toBeUndefined();
    expect(h.reasons()).toContain("fingerprint_slot_deleted");
    await touch(h, "alice-thumb");
    expect(accessRows(h)).toEqual([["unknown_credential", "denied", "fingerprint"]]);
  });

  it("fingerprint_only refuses the keypad without counting it as a guess", async () => {
    h = await startHarness({ access: { mode: "fingerprint_only" } });
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 2);
    await h.type("1234#");
    expect(accessRows(h)).toEqual([["credential_not_accepted", "denied", "pin"]]);
    expect(h.sim.door.pulseCount()).toBe(0);
    await touch(h, "finger-2");
    expect(h.sim.door.pulseCount()).toBe(1);
  });
});
