import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { bytesFromBits, decodeCard, encodeCard } from "../../../devices/badge/card-formats.js";
import { Cmd, LedColor } from "../../../devices/osdp/constants.js";
import { OsdpFrameParser } from "../../../devices/osdp/frame-parser.js";
import type { SecretKey } from "../../../devices/osdp/secure-channel.js";
import { osdpRig, SITE_KEY_HEX } from "./osdp-rig.js";

const commands = (pd: { received: { code: number }[] }) => pd.received.map((r) => r.code);

describe("OSDP Control Panel ↔ virtual PD over a simulated RS-485 line", () => {
  it("comes online through ID, CAP and the Secure Channel handshake, then polls", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    expect(rig.reader.state).toBe("online");
    expect(rig.reader.secureChannelActive).toBe(true);
    expect(rig.pd.secureChannelActive).toBe(true);
    expect(commands(rig.pd).slice(0, 6)).toEqual([
      Cmd.ID,
      Cmd.CAP,
      Cmd.CHLNG,
      Cmd.SCRYPT,
      Cmd.LSTAT,
      Cmd.LED,
    ]);
    expect(rig.of("identity")[0]).toMatchObject({
      identity: { vendor: "0a1b2c", model: 1, serial: 0x1001, firmware: "2.1.0" },
    });
    expect(rig.of("fault")).toEqual([]);
  });

  it("a reader that NAKs osdp_ID as an unknown command still comes online with Secure Channel, identity unknown", async () => {
    const rig = osdpRig();
    rig.pd.answersId = false;
    await rig.clock.advance(200);
    expect(rig.reader.state).toBe("online");
    expect(rig.reader.secureChannelActive).toBe(true);
    expect(rig.reader.identity).toBeNull();
    expect(commands(rig.pd).slice(0, 4)).toEqual([Cmd.ID, Cmd.CAP, Cmd.CHLNG, Cmd.SCRYPT]);
    expect(rig.of("identity")).toEqual([]);
    expect(rig.of("fault")).toEqual([]);
  });

  it("polls an idle reader at least every 50 ms", async () => {
    const rig = osdpRig();
    await rig.clock.advance(1000);
    const polls = rig.pd.received.filter((r) => r.code === Cmd.POLL).map((r) => r.atMs);
    expect(polls.length).toBeGreaterThanOrEqual(19);
    const gaps = polls.slice(1).map((t, i) => t - (polls[i] as number));
    expect(Math.max(...gaps)).toBeLessThanOrEqual(50);
  });

  it("delivers a card read (raw bits + bit count) once, and it is encrypted on the wire", async () => {
    const rig = osdpRig();
    const heard: Buffer[] = [];
    rig.line.host.onData((chunk) => heard.push(chunk));
    await rig.clock.advance(200);
    const bits = encodeCard("H10301", 123, 45678);
    rig.pd.presentCard(bits);
    await rig.clock.advance(200);
    const cards = rig.of("card");
    expect(cards).toHaveLength(1);
    expect(cards[0]).toMatchObject({ device: "osdp:1", bitCount: 26 });
    expect(decodeCard("H10301", [...bytesToBits(cards[0]?.bits as Buffer, 26)])).toMatchObject({
      normalized: "123:45678",
    });
    expect(Buffer.concat(heard).includes(bytesFromBits(bits))).toBe(false);
  });

  it("delivers keypad digits and tamper / power changes", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    rig.pd.pressKeys("1234#");
    rig.pd.tamper = true;
    await rig.clock.advance(200);
    rig.pd.tamper = false;
    rig.pd.powerFailure = true;
    await rig.clock.advance(200);
    expect(rig.of("keypad")).toEqual([expect.objectContaining({ keys: "1234#" })]);
    expect(rig.of("tamper").map((e) => e.active)).toEqual([true, false]);
    expect(rig.of("power").map((e) => e.failed)).toEqual([true]);
  });

  it("drives the reader's LED and buzzer from the access outcome", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    expect(rig.pd.led?.permanent?.onColor).toBe(LedColor.red);
    rig.reader.feedback("granted");
    await rig.clock.advance(50);
    expect(rig.pd.led?.temporary).toMatchObject({ onColor: LedColor.green, timer: 30 });
    expect(rig.pd.buzzer).toMatchObject({ tone: 2, count: 1 });
    rig.reader.feedback("denied");
    rig.reader.showText("Denied", 3);
    await rig.clock.advance(50);
    expect(rig.pd.led?.temporary).toMatchObject({ onColor: LedColor.red });
    expect(rig.pd.buzzer).toMatchObject({ count: 3 });
    expect(rig.pd.text).toMatchObject({ text: "Denied", seconds: 3 });
  });

  it("reports a silent reader as a fault within 2 s, and its recovery", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    const silencedAt = rig.clock.now();
    rig.pd.silent = true;
    await rig.clock.advance(2000);
    const faults = rig.of("fault");
    expect(faults).toHaveLength(1);
    expect(faults[0]?.detail).toMatch(/^offline: no reply/);
    expect((faults[0]?.atMs as number) - silencedAt).toBeLessThanOrEqual(2000);
    expect(rig.reader.online).toBe(false);
    rig.pd.silent = false;
    await rig.clock.advance(10_000);
    expect(rig.reader.online).toBe(true);
    expect(rig.of("recovered")).toHaveLength(1);
  });

  it("rides out corrupted CRCs with retries, without a fault and without a double read", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    rig.pd.presentCard(encodeCard("H10301", 1, 2));
    rig.pd.corruptCrcNext = 2;
    await rig.clock.advance(1000);
    expect(rig.of("card")).toHaveLength(1);
    expect(rig.reader.counters.retries).toBeGreaterThanOrEqual(2);
    expect(rig.of("fault")).toEqual([]);
  });

  it("answers osdp_BUSY by sending the same command again later", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    rig.pd.presentCard(encodeCard("H10301", 3, 4));
    rig.pd.busyNext = 2;
    const retriesBefore = rig.reader.counters.retries;
    await rig.clock.advance(300);
    expect(rig.reader.counters.retries - retriesBefore).toBe(2);
    expect(rig.of("card")).toHaveLength(1);
    expect(rig.of("fault")).toEqual([]);
    expect(rig.reader.secureChannelActive).toBe(true);
  });

  it("a reader silent from the start is reported within 2 s; a retry waits 200 ms, reconnects back off", async () => {
    const rig = osdpRig();
    rig.pd.silent = true;
    const start = rig.clock.now();
    const sentAt: number[] = [];
    const parser = new OsdpFrameParser(() => sentAt.push(rig.clock.now() - start));
    rig.line.device.onData((chunk) => parser.push(chunk));
    await rig.clock.advance(2000);
    expect(rig.of("fault")).toEqual([
      expect.objectContaining({ detail: "offline: no reply to 0x61 after 2 attempts" }),
    ]);
    await rig.clock.advance(3000);
    // osdp_ID, its retry after the 200 ms reply timeout, then reconnects 1 s and 2 s after each failure.
    expect(sentAt.slice(0, 6)).toEqual([0, 200, 1400, 1600, 3800, 4000]);
  });

  it("a throwing event listener stops neither polling nor fault handling", async () => {
    const seen: string[] = [];
    const boom = (what: string) => () => {
      seen.push(what);
      throw new Error(`buggy ${what} listener`);
    };
    const rig = osdpRig({
      reader: {
        events: { cardRead: boom("card"), deviceFault: boom("fault"), deviceRecovered: boom("recovered") },
      },
    });
    await rig.clock.advance(200);
    rig.pd.presentCard(encodeCard("H10301", 1, 1));
    rig.pd.presentCard(encodeCard("H10301", 1, 2));
    await rig.clock.advance(200);
    rig.pd.silent = true;
    await rig.clock.advance(2000);
    rig.pd.silent = false;
    await rig.clock.advance(10_000);
    expect(seen).toEqual(["card", "card", "fault", "recovered"]);
    expect(rig.reader.online).toBe(true);
  });

  it("ignores the echo of its own commands on a half-duplex adapter", async () => {
    const rig = osdpRig({ echo: true });
    await rig.clock.advance(200);
    rig.pd.presentCard(encodeCard("H10301", 8, 8));
    await rig.clock.advance(200);
    expect(rig.reader.online).toBe(true);
    expect(rig.of("card")).toHaveLength(1);
    expect(rig.bus.stats.strayFrames).toBeGreaterThan(5);
  });

  it("survives line noise both ways: every card exactly once, in order, no false read", async () => {
    const noise = { noiseProbability: 0.3, maxNoiseBytes: 12, dropProbability: 0.0005 };
    const rig = osdpRig({ toDevice: noise, toHost: noise, seed: 99 });
    await rig.clock.advance(500);
    for (let card = 1; card <= 30; card++) {
      rig.pd.presentCard(encodeCard("H10301", 7, card));
      await rig.clock.advance(300);
    }
    await rig.clock.advance(2000);
    const read = rig.of("card").map((e) => decodeCard("H10301", [...bytesToBits(e.bits as Buffer, 26)]));
    expect(read.map((r) => (r.ok ? r.card : -1))).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
  });
});

describe("OSDP Secure Channel rules", () => {
  it("never goes online with a reader that has another key: secure_channel_failed, no plaintext use", async () => {
    const rig = osdpRig({ pds: [{ address: 1, key: Buffer.alloc(16, 0x42) }] });
    rig.pd.presentCard(encodeCard("H10301", 1, 1));
    await rig.clock.advance(30_000);
    expect(rig.reader.online).toBe(false);
    expect(rig.of("fault")[0]?.detail).toBe("secure_channel_failed: wrong_key");
    expect(commands(rig.pd).every((c) => c === Cmd.ID || c === Cmd.CAP || c === Cmd.CHLNG)).toBe(true);
    expect(rig.of("card")).toEqual([]);
  });

  it("does not downgrade when the reader tries to stay in plaintext", async () => {
    const rig = osdpRig();
    rig.pd.plaintextOnly = true;
    rig.pd.presentCard(encodeCard("H10301", 1, 1));
    await rig.clock.advance(30_000);
    expect(rig.reader.online).toBe(false);
    expect(rig.of("fault")[0]?.detail).toMatch(/^secure_channel_failed: osdp_CHLNG answered 0x40/);
    expect(commands(rig.pd)).not.toContain(Cmd.POLL);
    expect(rig.of("card")).toEqual([]);
  });

  it("refuses a reader that offers no Secure Channel unless the config says secure: false", async () => {
    const strict = osdpRig({ pds: [{ address: 1, noSecureChannel: true }] });
    await strict.clock.advance(1000);
    expect(strict.of("fault")[0]?.detail).toBe("secure_channel_failed: the reader offers no Secure Channel");
    const lax = osdpRig({
      pds: [{ address: 1, noSecureChannel: true }],
      reader: { secure: false, key: null },
    });
    await lax.clock.advance(200);
    lax.pd.presentCard(encodeCard("H10301", 5, 6));
    await lax.clock.advance(200);
    expect(lax.reader.online).toBe(true);
    expect(lax.reader.secureChannelActive).toBe(false);
    expect(lax.of("card")).toHaveLength(1);
  });

  it("drops a reply with a wrong MAC (valid CRC): no card, secure_channel_failed, then a fresh handshake", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    rig.pd.wrongMacNext = 1;
    rig.pd.presentCard(encodeCard("H10301", 9, 9));
    await rig.clock.advance(100);
    expect(rig.of("card")).toEqual([]);
    expect(rig.of("fault")[0]?.detail).toBe("secure_channel_failed: reply bad_mac");
    await rig.clock.advance(5000);
    expect(rig.reader.online).toBe(true);
    expect(rig.reader.secureChannelActive).toBe(true);
  });

  it("refuses a replayed card read", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    rig.pd.presentCard(encodeCard("H10301", 9, 10));
    await rig.clock.advance(100);
    expect(rig.of("card")).toHaveLength(1);
    await rig.clock.advance(100); // a few polls later the sequence number has come round again
    rig.pd.replayNext = true;
    await rig.clock.advance(100);
    expect(rig.of("card")).toHaveLength(1);
    expect(rig.of("fault")[0]?.detail).toBe("secure_channel_failed: reply bad_mac");
  });

  it("install mode: SCBK-D only on request, stores a fresh key, KEYSETs it, reconnects with it", async () => {
    const stored: SecretKey[] = [];
    const rig = osdpRig({
      pds: [{ address: 1, key: null }],
      reader: { key: null, install: { installKey: async (k) => void stored.push(k) } },
    });
    await rig.clock.advance(500);
    expect(stored).toHaveLength(1);
    expect(rig.pd.key).toEqual(stored[0]?.reveal());
    expect(rig.pd.key?.toString("hex")).not.toBe("303132333435363738393a3b3c3d3e3f");
    expect(commands(rig.pd).filter((c) => c === Cmd.CHLNG)).toHaveLength(2);
    expect(rig.reader.online).toBe(true);
    expect(rig.reader.secureChannelActive).toBe(true);
  });

  it("install mode fails closed when the key cannot be stored, and an installed reader refuses SCBK-D", async () => {
    const failing = osdpRig({
      pds: [{ address: 1, key: null }],
      reader: { key: null, install: { installKey: async () => Promise.reject(new Error("disk full")) } },
    });
    await failing.clock.advance(500);
    expect(failing.pd.key).toBeNull();
    expect(failing.of("fault")[0]?.detail).toBe(
      "secure_channel_failed: could not store the new key (disk full)",
    );
    const installed = osdpRig({ reader: { key: null, install: { installKey: async () => {} } } });
    await installed.clock.advance(500);
    expect(installed.reader.online).toBe(false);
    expect(installed.of("fault")[0]?.detail).toMatch(/^secure_channel_failed: osdp_CHLNG answered 0x41/);
  });

  it("needs a key when secure, and never shows keys in events or when logged", async () => {
    expect(() => osdpRig({ reader: { key: null } })).toThrow(/needs a key/);
    const rig = osdpRig();
    rig.pd.presentCard(encodeCard("H10301", 1, 1));
    await rig.clock.advance(300);
    const shown = `${JSON.stringify(rig.events)} ${inspect(rig.reader, { depth: 9 })} ${JSON.stringify(rig.reader)}`;
    expect(shown).not.toContain(SITE_KEY_HEX);
    expect(shown).not.toContain(SITE_KEY_HEX.slice(0, 8));
  });
});

describe("several readers on one bus", () => {
  it("brings 4 readers online, polls each every ≤ 50 ms and routes each card to its reader", async () => {
    const rig = osdpRig({ pds: [{ address: 0 }, { address: 5 }, { address: 17 }, { address: 126 }] });
    await rig.clock.advance(500);
    expect(rig.readers.map((r) => r.state)).toEqual(["online", "online", "online", "online"]);
    rig.pds[1]?.presentCard(encodeCard("H10301", 1, 5));
    rig.pds[3]?.presentCard(encodeCard("H10301", 1, 126));
    const from = rig.clock.now();
    await rig.clock.advance(1000);
    expect(rig.of("card").map((e) => e.device)).toEqual(["osdp:5", "osdp:126"]);
    for (const pd of rig.pds) {
      const polls = pd.received.filter((r) => r.code === Cmd.POLL && r.atMs >= from).map((r) => r.atMs);
      const gaps = polls.slice(1).map((t, i) => t - (polls[i] as number));
      expect(Math.max(...gaps)).toBeLessThanOrEqual(50);
    }
  });

  it("a dead reader does not take the others down", async () => {
    const rig = osdpRig({ pds: [{ address: 1 }, { address: 2 }] });
    await rig.clock.advance(300);
    (rig.pds[0] as { silent: boolean }).silent = true;
    await rig.clock.advance(3000);
    rig.pds[1]?.presentCard(encodeCard("H10301", 2, 2));
    await rig.clock.advance(1000);
    expect(rig.readers.map((r) => r.online)).toEqual([false, true]);
    expect(rig.of("card").map((e) => e.device)).toEqual(["osdp:2"]);
    expect(rig.of("fault").map((e) => e.device)).toEqual(["osdp:1"]);
  });

  it("refuses two readers at one address, and reports every reader when the port goes away", async () => {
    const rig = osdpRig({ pds: [{ address: 1 }, { address: 2 }] });
    expect(() => rig.bus.add(rig.readers[0] as never)).toThrow(/two readers/);
    await rig.clock.advance(200);
    rig.line.unplug();
    await rig.clock.advance(10);
    expect(rig.of("fault").map((e) => e.device)).toEqual(["osdp:1", "osdp:2"]);
    expect(rig.of("fault")[0]?.detail).toMatch(/serial port lost/);
  });
});

function bytesToBits(bytes: Buffer, count: number): number[] {
  const bits: number[] = [];
  for (let i = 0; i < count; i++) bits.push(((bytes[i >> 3] as number) >> (7 - (i & 7))) & 1);
  return bits;
}
void bytesFromBits;
