import { describe, expect, it } from "vitest";
import { Reply } from "../../../devices/osdp/constants.js";
import { OsdpFrameParser } from "../../../devices/osdp/frame-parser.js";
import { type DecodedFrame, decodeFrame, encodeFrame } from "../../../devices/osdp/packet-codec.js";
import { seededRandom } from "../../helpers/seeded-random.js";
import { osdpRig } from "./osdp-rig.js";

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ""), "hex");
const ack = (sequence: number) =>
  encodeFrame(
    { address: 0x65, reply: true, sequence, crc: true, scb: null, code: Reply.ACK, data: Buffer.alloc(0) },
    { mark: true },
  );

function collect() {
  const frames: DecodedFrame[] = [];
  const parser = new OsdpFrameParser((f) => frames.push(f));
  return { frames, parser };
}

describe("OsdpFrameParser", () => {
  it("finds packets behind garbage, across 1-byte chunks, and ignores mark bytes", () => {
    const { frames, parser } = collect();
    const stream = Buffer.concat([hex("00 13 ff ff"), ack(1), hex("ff ff ff"), ack(2), hex("42")]);
    for (const byte of stream) parser.push(Buffer.of(byte));
    expect(frames.map((f) => f.sequence)).toEqual([1, 2]);
    // 00 13 and the trailing 42 are garbage; the FF marks are not counted as dropped.
    expect(parser.stats).toMatchObject({ frames: 2, droppedBytes: 3 });
    expect(parser.bufferedBytes).toBe(0);
  });

  it("a false SOM announcing a long packet does not hold back the real reply behind it", () => {
    const { frames, parser } = collect();
    parser.push(Buffer.concat([hex("53 00 ff 01 04"), ack(3)]));
    expect(frames.map((f) => f.code)).toEqual([Reply.ACK]);
  });

  it("a corrupted packet costs only itself: the next one is found", () => {
    const { frames, parser } = collect();
    const bad = ack(1);
    bad[bad.length - 1] = (bad[bad.length - 1] as number) ^ 1;
    parser.push(Buffer.concat([bad, ack(2)]));
    expect(frames.map((f) => f.sequence)).toEqual([2]);
    expect(parser.stats.badFrames).toBeGreaterThanOrEqual(1);
  });

  it("fuzz: 200 kB of random bytes never throw, and everything delivered is a valid packet", () => {
    const random = seededRandom(20260105);
    const raws: Buffer[] = [];
    const parser = new OsdpFrameParser((_f, raw) => raws.push(raw));
    let fed = 0;
    while (fed < 200_000) {
      const chunk = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 64) }, () => Math.floor(random() * 256)),
      );
      // Sprinkle SOMs so the parser is really exercised, not just skipping.
      if (random() < 0.3) chunk[0] = 0x53;
      expect(() => parser.push(chunk)).not.toThrow();
      fed += chunk.length;
    }
    // Whatever random data happens to form (a 16-bit CRC lets very few through) is a whole packet.
    for (const raw of raws) expect(decodeFrame(raw).macInput).toBeDefined();
    expect(raws.length).toBeLessThan(20);
    expect(parser.bufferedBytes).toBeLessThanOrEqual(512);
  });

  it("fuzz: valid packets mixed into random bytes are all recovered", () => {
    const random = seededRandom(7);
    const { frames, parser } = collect();
    const sent: number[] = [];
    for (let i = 0; i < 500; i++) {
      const noise = Buffer.from(
        Array.from({ length: Math.floor(random() * 20) }, () => Math.floor(random() * 256)),
      );
      const packet = encodeFrame({
        address: i % 127,
        reply: true,
        sequence: 1 + (i % 3),
        crc: true,
        scb: null,
        code: Reply.RAW,
        data: Buffer.of(0, 0, 8, 0, i & 0xff),
      });
      sent.push(i & 0xff);
      parser.push(Buffer.concat([noise, packet]));
    }
    const got = frames.filter((f) => f.code === Reply.RAW && f.data.length === 5).map((f) => f.data[4]);
    // A noise prefix can, rarely, look like the start of a long packet and swallow one; never more.
    expect(got.length).toBeGreaterThanOrEqual(495);
    for (const value of got) expect(sent).toContain(value);
    for (const f of frames) expect(() => decodeFrame(encodeFrame(f))).not.toThrow();
  });
});

describe("fuzzing the line to an online reader", () => {
  it("random bytes injected toward the CP cause no card or keypad event", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    const random = seededRandom(4242);
    for (let i = 0; i < 2000; i++) {
      const junk = Buffer.from(
        Array.from({ length: 1 + Math.floor(random() * 40) }, () => Math.floor(random() * 256)),
      );
      if (random() < 0.5) junk[0] = 0x53;
      rig.line.device.inject(junk);
      if (i % 50 === 0) await rig.clock.advance(10);
    }
    await rig.clock.advance(3000);
    expect(rig.of("card")).toEqual([]);
    expect(rig.of("keypad")).toEqual([]);
    expect(rig.reader.online).toBe(true);
  });

  it("a forged plaintext osdp_RAW with a valid CRC is not a card read while secure", async () => {
    const rig = osdpRig();
    await rig.clock.advance(200);
    const forged = (sequence: number) =>
      encodeFrame({
        address: 1,
        reply: true,
        sequence,
        crc: true,
        scb: null,
        code: Reply.RAW,
        data: Buffer.of(0, 0, 26, 0, 0xaa, 0xbb, 0xcc, 0xc0),
      });
    for (let s = 1; s <= 3; s++) rig.line.device.inject(forged(s));
    await rig.clock.advance(1000);
    expect(rig.of("card")).toEqual([]);
  });
});
