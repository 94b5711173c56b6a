import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { encodeCard } from "../../devices/badge/card-formats.js";
import { SecretKey } from "../../devices/osdp/secure-channel.js";
import type { VirtualOsdpPd } from "../../simulator/virtual-osdp-pd.js";
import { runDoctor } from "../../src/admin/commands/doctor-command.js";
import { databasePath } from "../../src/app.js";
import { formatReport } from "../../src/doctor/checks.js";
import { OsdpKeyStore, osdpKeyPath } from "../../src/osdp/osdp-key-store.js";
import { OSDP_STATUS_NAMESPACE, OsdpReaderStatusStore } from "../../src/osdp/reader-status.js";
import { WAL_CHECKPOINT_INTERVAL_MS } from "../../src/store/wal-checkpointer.js";
import { databaseOnlyProbes } from "../helpers/doctor-probes.js";
import { doorEntry, osdpReader } from "../helpers/doors.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";
import { walCommits } from "../helpers/wal-commits.js";

/**
 * Issue 13: the service records each OSDP reader's identity (osdp_PDID) and link state in the
 * database, and `doorward doctor` prints them. Whole app on the fake clock, virtual PDs on the
 * simulated RS-485 line.
 */
let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

async function start(readers: Record<string, unknown>[], keyed: string[]): Promise<Harness> {
  const dir = tempDir();
  const store = new OsdpKeyStore(dir);
  for (const id of keyed) store.set(id, new SecretKey(randomBytes(16)));
  h = await startHarness({ data_dir: dir, doors: [doorEntry("outer", 4, readers)] });
  await h.clock.advance(100);
  return h;
}

const pd = (id: string) =>
  h?.sim.doors[0]?.readers.find((r) => r.id === id)?.device as unknown as VirtualOsdpPd;
const status = (id: string) => new OsdpReaderStatusStore((h as Harness).app.services.db).get(id);
const kvRows = () =>
  (h as Harness).app.services.db
    .prepare<[string], { key: string; value: string }>("SELECT key, value FROM kv WHERE key >= ?")
    .all(OSDP_STATUS_NAMESPACE)
    .filter((r) => r.key.startsWith(OSDP_STATUS_NAMESPACE));

async function doctorReport(): Promise<string> {
  const results = await runDoctor((h as Harness).settings, databaseOnlyProbes);
  return formatReport(results.filter((r) => r.name.startsWith("reader ") || r.name.startsWith("osdp ")));
}

describe("OSDP reader identity and state in the database, and in doctor", () => {
  it("the reader's PDID and its Secure Channel state reach the database; doctor prints them", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"]);
    expect(pd("outer-in").secureChannelActive).toBe(true);
    const now = (h as Harness).clock.now();
    expect(status("outer-in")).toMatchObject({
      state: "online",
      secure_channel: true,
      reason: null,
      identity: { vendor: "0a1b2c", model: 1, serial: 0x1000, firmware: "2.1.0" },
    });
    expect(status("outer-in")?.last_seen_ms).toBeLessThanOrEqual(now);

    const report = await doctorReport();
    expect(report).toMatch(
      /reader outer-in\s+PASS\s+vendor 0a1b2c model 1 v\d+, serial 0x00001000, firmware 2\.1\.0; online since \S+, Secure Channel up/,
    );
  });

  it("recorded when it changes, not on every poll: 10 s of polling and a card read commit no status row", async () => {
    await start([osdpReader("outer-in", 0)], ["outer-in"]);
    // What start-up wrote is folded in and the WAL started over by the checkpointer's own write
    // (wal-checkpointer.ts), then nothing at all is written while the reader is only polled.
    await (h as Harness).clock.advance(WAL_CHECKPOINT_INTERVAL_MS);
    const before = kvRows();
    const path = databasePath((h as Harness).settings);
    const commits = walCommits(path);
    await (h as Harness).clock.advance(10_000); // ~400 polls
    expect(walCommits(path)).toBe(commits);
    pd("outer-in").presentCard(encodeCard("H10301", 123, 45678));
    await (h as Harness).clock.advance(200);
    expect(kvRows()).toEqual(before);
  });

  it("a silent reader: offline with its reason and when it was last seen; back online, recorded again", async () => {
    const app = await start([osdpReader("outer-in", 0)], ["outer-in"]);
    const wentSilentAt = app.clock.now();
    pd("outer-in").silent = true;
    await app.clock.advance(2000);
    const offline = status("outer-in");
    expect(offline).toMatchObject({
      state: "offline",
      secure_channel: false,
      reason: expect.stringMatching(/^no reply/),
    });
    expect(offline?.last_seen_ms).toBeGreaterThanOrEqual(wentSilentAt);
    expect(offline?.identity?.serial).toBe(0x1000); // the last identity stays known
    expect(await doctorReport()).toMatch(
      /reader outer-in\s+FAIL\s+vendor 0a1b2c .*; offline since \S+: no reply.*; last seen \S+Z/,
    );

    pd("outer-in").silent = false;
    await app.clock.advance(9000);
    expect(status("outer-in")).toMatchObject({ state: "online", secure_channel: true, reason: null });
  });

  it("a secure reader with no stored key: secure_channel_failed with the reason; doctor says never identified", async () => {
    await start([osdpReader("outer-in", 0)], []);
    expect(status("outer-in")).toMatchObject({
      state: "secure_channel_failed",
      reason: expect.stringMatching(/^no key stored/),
      identity: null,
      last_seen_ms: null,
    });
    const report = await doctorReport();
    expect(report).toMatch(
      /reader outer-in\s+FAIL\s+never identified; Secure Channel failed since \S+: no key stored/,
    );
    expect(report).toMatch(/last seen never/);
  });

  it("a reader that refuses Secure Channel is recorded identified but failed, never online; its retries write nothing", async () => {
    const dir = tempDir();
    new OsdpKeyStore(dir).set("outer-in", new SecretKey(randomBytes(16)));
    h = await startHarness(
      { data_dir: dir, doors: [doorEntry("outer", 4, [osdpReader("outer-in", 0)])] },
      {
        beforeStart: (sim) => {
          (sim.doors[0]?.readers[0]?.device as unknown as VirtualOsdpPd).plaintextOnly = true;
        },
      },
    );
    await h.clock.advance(10_000);
    expect(status("outer-in")).toMatchObject({
      state: "secure_channel_failed",
      secure_channel: false,
      identity: { vendor: "0a1b2c" },
    });
    // The CP retries the handshake every 8 s (ID, CAP, CHLNG each time): same identity, same
    // reason, so no status write (and no audit row) per retry.
    const path = databasePath(h.settings);
    const commits = walCommits(path);
    const sent = pd("outer-in").received.length;
    await h.clock.advance(60_000);
    expect(pd("outer-in").received.length).toBeGreaterThan(sent + 3 * 6); // ≥ 6 more handshakes
    expect(walCommits(path)).toBe(commits);
  });

  it("a reader that does not answer osdp_ID is recorded online, identity unknown; doctor says so", async () => {
    const dir = tempDir();
    new OsdpKeyStore(dir).set("outer-in", new SecretKey(randomBytes(16)));
    h = await startHarness(
      { data_dir: dir, doors: [doorEntry("outer", 4, [osdpReader("outer-in", 0)])] },
      {
        beforeStart: (sim) => {
          (sim.doors[0]?.readers[0]?.device as unknown as VirtualOsdpPd).answersId = false;
        },
      },
    );
    await h.clock.advance(100);
    expect(status("outer-in")).toMatchObject({ state: "online", secure_channel: true, identity: null });
    expect(await doctorReport()).toMatch(
      /reader outer-in\s+PASS\s+identity unknown \(the reader does not answer osdp_ID\); online since/,
    );
  });

  it("a plaintext reader (secure: false) is recorded online without Secure Channel", async () => {
    await start([osdpReader("outer-in", 0, { secure: false })], []);
    expect(status("outer-in")).toMatchObject({ state: "online", secure_channel: false });
    expect(await doctorReport()).toMatch(/reader outer-in\s+PASS\s+.*plaintext \(secure: false\)/);
  });

  it("after the service stops the reader shows when it was last seen", async () => {
    const app = await start([osdpReader("outer-in", 0)], ["outer-in"]);
    await app.clock.advance(5000);
    const stoppedAt = app.clock.now();
    await app.app.stop();
    h = undefined;
    const report = await runDoctor(app.settings, databaseOnlyProbes);
    const row = report.find((r) => r.name === "reader outer-in");
    expect(row).toMatchObject({ status: "pass" });
    expect(row?.detail).toContain(`last seen ${new Date(stoppedAt).toISOString()} (the service stopped)`);
  });

  it("no key, no session key and no card number in the status rows", async () => {
    await start([osdpReader("outer-in", 0), osdpReader("outer-out", 1)], ["outer-in", "outer-out"]);
    pd("outer-in").presentCard(encodeCard("H10301", 123, 45678));
    await (h as Harness).clock.advance(200);
    pd("outer-in").silent = true;
    await (h as Harness).clock.advance(3000);
    expect(kvRows()).toHaveLength(2);
    const rows = kvRows()
      .map((r) => r.value)
      .join("\n");
    const keys = JSON.parse(readFileSync(osdpKeyPath((h as Harness).settings.data_dir), "utf8")) as Record<
      string,
      string
    >;
    for (const hex of Object.values(keys)) {
      expect(rows.toLowerCase()).not.toContain(hex.toLowerCase());
    }
    expect(rows).not.toMatch(/45678|8106606|scbk|key/i); // 123:45678 in either spelling
  });
});
