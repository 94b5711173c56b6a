import { randomBytes } from "node:crypto";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { encodeCard } from "../../devices/badge/card-formats.js";
import { LedColor } from "../../devices/osdp/constants.js";
import { SecretKey } from "../../devices/osdp/secure-channel.js";
import type { VirtualOsdpPd } from "../../simulator/virtual-osdp-pd.js";
import { normaliseBadgeNumber } from "../../src/admin/credential-admin.js";
import { OsdpKeyStore, osdpKeyPath } from "../../src/osdp/osdp-key-store.js";
import { doorEntry, OSDP_PORT, osdpReader } from "../helpers/doors.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

/** One door "outer" with OSDP readers on one bus; keys stored for `keyed` readers before start. */
async function start(
  readers: Record<string, unknown>[],
  keyed: string[],
  beforeStart?: (pds: Map<string, VirtualOsdpPd>) => void,
) {
  const dir = tempDir();
  const store = new OsdpKeyStore(dir);
  for (const id of keyed) store.set(id, new SecretKey(randomBytes(16)));
  h = await startHarness(
    { data_dir: dir, doors: [doorEntry("outer", 4, readers)] },
    { beforeStart: (sim) => beforeStart?.(pdsOf(sim.doors[0]?.readers ?? [])) },
  );
  // ID, CAP, CHLNG, SCRYPT, then LSTAT and the idle LED: a few exchanges of a few ms each.
  await h.clock.advance(100);
}

function pdsOf(readers: { id: string; kind: string; device: unknown }[]): Map<string, VirtualOsdpPd> {
  const map = new Map<string, VirtualOsdpPd>();
  for (const r of readers) if (r.kind === "osdp") map.set(r.id, r.device as VirtualOsdpPd);
  return map;
}

const pd = (id: string) => pdsOf(h.sim.doors[0]?.readers ?? []).get(id) as VirtualOsdpPd;

function addBadgeUser(name: string, number: string): string {
  const { users, hasher } = h.app.services;
  const user = users.add(name, h.clock.now());
  users.setCredential(user.id, "badge", hasher.hash("badge", normaliseBadgeNumber(number)), h.clock.now());
  return user.userCode;
}

async function present(id: string, facility: number, card: number): Promise<void> {
  pd(id).presentCard(encodeCard("H10301", facility, card));
  await h.clock.advance(100);
  await h.app.services.units[0]?.access.idle();
  await h.clock.advance(100);
}

describe("OSDP readers on a door (simulator, Secure Channel)", () => {
  it("card → decision → green LED on the reader → relay; an unknown card is denied with the red LED", async () => {
    await start(
      [osdpReader("outer-in", 0), osdpReader("outer-out", 1, { direction: "out" })],
      ["outer-in", "outer-out"],
    );
    expect(pd("outer-in").secureChannelActive).toBe(true);
    expect(pd("outer-out").secureChannelActive).toBe(true);
    const code = addBadgeUser("alice", "123:45678");

    await present("outer-in", 123, 45678);
    expect(h.sim.doors[0]?.door.boltReleased).toBe(true);
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "granted",
      credential: "badge",
      userCode: code,
      detail: { reader: "outer-in" },
    });
    expect(pd("outer-in").led?.temporary?.onColor).toBe(LedColor.green);
    expect(pd("outer-in").buzzer?.count).toBe(1);
    await h.clock.advance(6000);
    expect(h.sim.doors[0]?.door.boltReleased).toBe(false);

    await present("outer-out", 99, 1);
    expect(h.app.services.audit.last()).toMatchObject({
      outcome: "denied",
      credential: "badge",
      detail: { reader: "outer-out" },
    });
    expect(pd("outer-out").led?.temporary?.onColor).toBe(LedColor.red);
    expect(h.sim.doors[0]?.door.pulseCount()).toBe(1);
  });

  it("a Wiegand decimal and an OSDP facility:card enrolment are one badge", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"]);
    // What a W26 reader reports for 123:45678 (facility * 65536 + card).
    addBadgeUser("bob", String(123 * 65536 + 45678));
    await present("outer-in", 123, 45678);
    expect(h.app.services.audit.last()).toMatchObject({ reason: "granted", credential: "badge" });
  });

  it("keypad digits on the reader are the door's PIN entry", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"]);
    const code = h.addUserWithPin("carol", "4321");
    pd("outer-in").pressKeys("4321#");
    await h.clock.advance(100);
    await h.app.services.units[0]?.access.idle();
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "granted",
      credential: "pin",
      userCode: code,
      detail: { reader: "outer-in" },
    });
    expect(h.sim.doors[0]?.door.boltReleased).toBe(true);
  });

  it("an unreadable key file: the reader stays offline, the message names the file, not a key", async () => {
    const dir = tempDir();
    writeFileSync(osdpKeyPath(dir), '{"outer-in": "00112233"}', { mode: 0o600 });
    h = await startHarness({
      data_dir: dir,
      doors: [doorEntry("outer", 4, [osdpReader("outer-in", 0)])],
    }).catch((err) => {
      throw err;
    });
    await h.clock.advance(100);
    const fault = h.app.services.audit.tail(20).find((r) => r.reason === "fault");
    expect(String(fault?.detail?.detail)).toMatch(
      /^secure_channel_failed: .*osdp-keys\.json: the key of 'outer-in' is not 32 hex digits/,
    );
    expect(JSON.stringify(fault)).not.toContain("00112233");
  });

  it("a read with bad parity is bad_read, never a badge", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"]);
    addBadgeUser("alice", "123:45678");
    const bits = encodeCard("H10301", 123, 45678);
    bits[5] = bits[5] === 1 ? 0 : 1;
    pd("outer-in").presentCard(bits);
    await h.clock.advance(200);
    await h.app.services.units[0]?.access.idle();
    expect(h.app.services.audit.last()).toMatchObject({ reason: "bad_read", outcome: "denied" });
    expect(h.sim.doors[0]?.door.boltReleased).toBe(false);
  });

  it("a silent reader is a fault within 2 s; the door stays locked", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"]);
    addBadgeUser("alice", "123:45678");
    pd("outer-in").silent = true;
    await h.clock.advance(2000);
    const fault = h.app.services.audit.tail(20).find((r) => r.reason === "fault");
    expect(fault?.detail).toMatchObject({ device: "outer/outer-in", reader: "outer-in" });
    expect(String(fault?.detail?.detail)).toMatch(/^offline: no reply/);
    expect(h.app.services.health.snapshot()["outer/outer-in"]?.state).not.toBe("ok");
    expect(h.sim.doors[0]?.door.boltReleased).toBe(false);
    // It answers again: reconnected (Secure Channel again) and reported recovered.
    pd("outer-in").silent = false;
    await h.clock.advance(9000);
    expect(h.app.services.audit.tail(20).some((r) => r.reason === "recovered")).toBe(true);
    expect(pd("outer-in").secureChannelActive).toBe(true);
  });

  it("the RS-485 adapter unplugged: every reader on it faults, the door stays locked; replugged, they reconnect", async () => {
    await start([osdpReader("outer-in", 0), osdpReader("outer-out", 1)], ["outer-in", "outer-out"]);
    addBadgeUser("alice", "123:45678");
    h.sim.serial.unplug(OSDP_PORT);
    await h.clock.advance(100);
    const faults = h.app.services.audit.tail(20).filter((r) => r.reason === "fault");
    expect(faults.map((r) => r.detail?.reader).sort()).toEqual(["outer-in", "outer-out"]);
    expect(String(faults[0]?.detail?.detail)).toMatch(/^offline: .*disconnected/);
    h.sim.serial.replug(OSDP_PORT);
    await h.clock.advance(3000);
    expect(h.app.services.audit.tail(20).filter((r) => r.reason === "recovered")).toHaveLength(2);
    expect(pd("outer-in").secureChannelActive).toBe(true);
    await present("outer-in", 123, 45678);
    expect(h.sim.doors[0]?.door.boltReleased).toBe(true);
  });

  it("a reader that refuses Secure Channel stays offline: secure_channel_failed, its cards ignored", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"], (pds) => {
      (pds.get("outer-in") as VirtualOsdpPd).plaintextOnly = true;
    });
    addBadgeUser("alice", "123:45678");
    await present("outer-in", 123, 45678);
    await h.clock.advance(10_000);
    const rows = h.app.services.audit.tail(50);
    expect(rows.find((r) => r.reason === "fault")?.detail?.detail).toMatch(/^secure_channel_failed/);
    expect(rows.some((r) => r.kind === "access")).toBe(false);
    expect(h.sim.doors[0]?.door.boltReleased).toBe(false);
  });

  it("no stored key and secure: offline with secure_channel_failed, never polled in plaintext", async () => {
    await start([osdpReader("outer-in", 0)], []);
    const fault = h.app.services.audit.tail(20).find((r) => r.reason === "fault");
    expect(fault?.detail?.detail).toMatch(/^secure_channel_failed: no key stored/);
    expect(pd("outer-in").received).toEqual([]);
  });

  it("tamper on the reader is an audit row; the key file is 0600 and never in the log", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"]);
    pd("outer-in").tamper = true;
    await h.clock.advance(200);
    expect(h.app.services.audit.tail(10).find((r) => r.reason === "tamper")?.detail).toMatchObject({
      device: "outer/outer-in",
    });
    const path = osdpKeyPath(h.settings.data_dir);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const hex = JSON.parse(readFileSync(path, "utf8"))["outer-in"] as string;
    const rows = JSON.stringify(h.app.services.audit.tail(100));
    expect(rows).not.toContain(hex);
  });
});
