import { afterEach, describe, expect, it } from "vitest";
import { type App, createApp } from "../../src/app.js";
import { createLogger } from "../../src/logger.js";
import { KeyValueStore } from "../../src/store/key-value-store.js";
import { accessRows, giveBadge, giveFinger, touch } from "../helpers/credentials.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const LOCKOUT = { lockout: { max_failures: 3, base_s: 60, max_s: 900 } };

async function swipe(number: number): Promise<void> {
  const sent = h.sim.wiegand.present(number, "W26");
  await h.clock.advance(150);
  await sent;
  await h.app.services.access.idle();
}

async function strangerGuessesPins(times = 3): Promise<void> {
  for (let i = 0; i < times; i++) await h.type("0000#");
  expect(h.reasons()).toContain("lockout_started");
}

describe("lockout is per credential kind, and per badge number (item 14)", () => {
  it("a stranger guessing PINs locks the keypad, not fingerprint holders", async () => {
    h = await startHarness(LOCKOUT);
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    await strangerGuessesPins();
    await h.type("1234#");
    expect(accessRows(h).at(-1)).toEqual(["locked_out", "denied", "pin"]);
    await touch(h, "finger-1");
    expect(accessRows(h).at(-1)).toEqual(["granted", "granted", "fingerprint"]);
    expect(h.sim.door.pulseCount()).toBe(1);
    // The fingerprint grant does not lift the keypad's lockout: only a PIN success or time does.
    expect(h.app.services.access.lockoutState("pin").lockedOut).toBe(true);
  });

  it("a stranger guessing PINs does not lock out badge holders", async () => {
    h = await startHarness(LOCKOUT);
    const code = h.addUserWithPin("alice", "1234");
    giveBadge(h, code, "1001");
    await strangerGuessesPins();
    await swipe(1001);
    expect(accessRows(h).at(-1)).toEqual(["granted", "granted", "badge"]);
    expect(h.sim.door.pulseCount()).toBe(1);
  });

  it("unknown fingers lock fingerprints only: PINs still work", async () => {
    h = await startHarness(LOCKOUT);
    h.addUserWithPin("alice", "1234");
    for (let i = 0; i < 3; i++) await touch(h, `stranger-${i}`);
    expect(h.app.services.access.lockoutState("fingerprint").lockedOut).toBe(true);
    await h.type("1234#");
    expect(accessRows(h).at(-1)).toEqual(["granted", "granted", "pin"]);
  });

  it("a badge refused three times locks that badge number only; another badge still opens", async () => {
    h = await startHarness(LOCKOUT);
    const alice = h.addUserWithPin("alice", "1234");
    const bob = h.addUserWithPin("bob", "5678");
    giveBadge(h, alice, "1001");
    giveBadge(h, bob, "2002");
    h.app.services.users.setEnabled(h.app.services.users.require(alice).id, false);
    for (let i = 0; i < 3; i++) await swipe(1001);
    expect(h.reasons()).toContain("lockout_started");
    h.app.services.users.setEnabled(h.app.services.users.require(alice).id, true);
    await swipe(1001);
    expect(accessRows(h).at(-1)).toEqual(["locked_out", "denied", "badge"]);
    await swipe(2002);
    expect(accessRows(h).at(-1)).toEqual(["granted", "granted", "badge"]);
    expect(h.app.services.access.lockoutState("badge").lockedOut).toBe(true);
    await h.clock.advance(60_000);
    await swipe(1001);
    expect(accessRows(h).at(-1)).toEqual(["granted", "granted", "badge"]);
  });

  it("each kind's lockout survives a restart", async () => {
    h = await startHarness(LOCKOUT);
    const code = h.addUserWithPin("alice", "1234");
    giveFinger(h, code, 1);
    await strangerGuessesPins();
    for (let i = 0; i < 3; i++) await touch(h, `stranger-${i}`);
    let app = await restart();
    expect(app.services.access.lockoutState("pin").lockedOut).toBe(true);
    expect(app.services.access.lockoutState("fingerprint").lockedOut).toBe(true);
    expect(app.services.access.lockoutState("badge").lockedOut).toBe(false);
    await app.stop();
    h = await startHarness({ ...LOCKOUT, data_dir: h.settings.data_dir });
    for (let i = 0; i < 3; i++) await swipe(4242); // a card nobody holds, three times
    app = await restart();
    expect(app.services.access.lockoutState("badge").lockedOut).toBe(true);
    await app.stop();
  });

  it("a lockout persisted by the previous version (one keypad-wide state) is read as the PIN lockout", async () => {
    h = await startHarness(LOCKOUT);
    const kv = new KeyValueStore(h.app.services.db);
    kv.setJson("lockout:keypad", {
      consecutiveFailures: 0,
      lockouts: 1,
      lockedUntilMs: h.clock.now() + 60_000,
    });
    const app = await restart();
    expect(app.services.access.lockoutState("pin").lockedOut).toBe(true);
    expect(app.services.access.lockoutState("fingerprint").lockedOut).toBe(false);
    await app.stop();
  });
});

/** Stops the harness's app and starts a new one on the same data and simulator. */
async function restart(): Promise<App> {
  await h.app.stop();
  const app = createApp({
    settings: h.settings,
    transports: h.sim.transports,
    clock: h.clock,
    logger: createLogger("silent"),
  });
  await app.start();
  return app;
}
