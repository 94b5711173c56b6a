import { describe, expect, it } from "vitest";
import { FingerprintFrameParser } from "../../../devices/fingerprint/frame-parser.js";
import { Command, encodeAck, encodeCommand, u16 } from "../../../devices/fingerprint/packet-codec.js";
import { seededRandom } from "../../helpers/seeded-random.js";

function collect() {
  const frames: Buffer[] = [];
  const parser = new FingerprintFrameParser((_p, raw) => frames.push(raw));
  return { frames, parser };
}

describe("FingerprintFrameParser", () => {
  const ack = encodeAck(0, Buffer.concat([u16(5), u16(100)]));

  it("parses a frame fed one byte at a time", () => {
    const { frames, parser } = collect();
    for (const byte of ack) parser.push(Buffer.of(byte));
    expect(frames).toEqual([ack]);
    expect(parser.stats).toEqual({ frames: 1, droppedBytes: 0, badFrames: 0 });
  });

  it("drops leading garbage and counts it", () => {
    const { frames, parser } = collect();
    parser.push(Buffer.concat([Buffer.of(1, 2, 3, 0xef), ack]));
    expect(frames).toEqual([ack]);
    expect(parser.stats.droppedBytes).toBe(4);
  });

  it("resumes one byte after a false header rather than skipping its bogus length", () => {
    // A false header claiming 7 payload bytes swallows the start of the real frame.
    const falseHeader = Buffer.from("EF01FFFFFFFF070009", "hex");
    const { frames, parser } = collect();
    parser.push(Buffer.concat([falseHeader, ack, ack]));
    expect(frames).toEqual([ack, ack]);
    expect(parser.stats.badFrames).toBeGreaterThanOrEqual(1);
    expect(parser.stats.droppedBytes).toBe(falseHeader.length);
  });

  it("does not hold back a complete frame behind an incomplete false header", () => {
    // Header says 0x13 payload bytes (like ReadSysPara) but only an ok ack follows.
    const { frames, parser } = collect();
    parser.push(Buffer.concat([Buffer.from("EF01FFFFFFFF070013", "hex"), encodeAck(0)]));
    expect(frames).toEqual([encodeAck(0)]);
    expect(parser.bufferedBytes).toBe(0);
  });

  it("rejects absurd lengths and bad PIDs immediately", () => {
    const { frames, parser } = collect();
    parser.push(Buffer.from("EF01FFFFFFFF07FFFF", "hex"));
    parser.push(Buffer.from("EF01FFFFFFFF33", "hex"));
    parser.push(ack);
    expect(frames).toEqual([ack]);
    expect(parser.stats.badFrames).toBe(2);
  });

  it("recovers every valid frame from 100,000 noisy bytes chunked at random", () => {
    const rand = seededRandom(0xd00f);
    const valid = [
      ack,
      encodeAck(0),
      encodeAck(2),
      encodeCommand(Command.Search, Buffer.concat([Buffer.of(1), u16(0), u16(200)])),
      encodeAck(0, Buffer.alloc(16, 0xef)),
      encodeCommand(Command.TemplateNum),
    ];
    const parts: Buffer[] = [];
    const expected: Buffer[] = [];
    let noiseBytes = 0;
    while (noiseBytes < 100_000) {
      // Noise biased toward what hurts: header bytes, truncated real frames, random runs.
      const kind = rand();
      let noise: Buffer;
      if (kind < 0.3) {
        const frame = valid[Math.floor(rand() * valid.length)] as Buffer;
        noise = frame.subarray(0, 2 + Math.floor(rand() * (frame.length - 2)));
      } else if (kind < 0.4) {
        noise = Buffer.from("EF01FFFFFFFF07", "hex");
      } else {
        noise = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      }
      parts.push(noise);
      noiseBytes += noise.length;
      const frame = valid[Math.floor(rand() * valid.length)] as Buffer;
      parts.push(frame);
      expected.push(frame);
    }
    const stream = Buffer.concat(parts);
    const { frames, parser } = collect();
    for (let i = 0; i < stream.length; ) {
      const size = 1 + Math.floor(rand() * 40);
      parser.push(stream.subarray(i, i + size));
      i += size;
    }
    // Noise can by chance form extra valid frames; every real one must still appear, in order.
    let j = 0;
    for (const frame of frames) if (j < expected.length && frame.equals(expected[j] as Buffer)) j++;
    expect(j).toBe(expected.length);
    expect(frames.length - expected.length).toBeLessThan(5);
    const deliveredBytes = frames.reduce((n, f) => n + f.length, 0);
    expect(deliveredBytes + parser.stats.droppedBytes + parser.bufferedBytes).toBe(stream.length);
    expect(parser.stats.badFrames).toBeGreaterThan(100);
  });
});
