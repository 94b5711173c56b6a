import { describe, expect, it } from "vitest";
import { encodeRdm6300Frame, Rdm6300Parser } from "../../../devices/badge/rdm6300-parser.js";

/*
 * Golden frames, computed by hand from the frame rules (not with our encoder).
 *
 * Version 0x00, tag 0x62E3B4A1:
 *   checksum = 00 ^ 62 ^ E3 ^ B4 ^ A1
 *            = 62 ^ E3 = 81;  81 ^ B4 = 35;  35 ^ A1 = 94
 *   ASCII "0062E3B4A1" + "94" -> 30 30 36 32 45 33 42 34 41 31 39 34
 *   frame: 02 30 30 36 32 45 33 42 34 41 31 39 34 03
 *   tag as decimal: 0x62 * 2^24 + 0xE3B4A1 = 98 * 16777216 + 14922913
 *                 = 1644167168 + 14922913 = 1659090081
 *
 * Version 0x1A, tag 0x00B2C3D4:
 *   checksum = 1A ^ 00 ^ B2 ^ C3 ^ D4 = 1A ^ B2 = A8;  A8 ^ C3 = 6B;  6B ^ D4 = BF
 *   frame: 02 31 41 30 30 42 32 43 33 44 34 42 46 03
 *   tag as decimal: 0xB2C3D4 = 178 * 65536 + 0xC3D4 = 11665408 + 50132 = 11715540
 */
const GOLDEN_A = Buffer.from("02303036324533423441313934" + "03", "hex");
const GOLDEN_B = Buffer.from("0231413030423243334434424603", "hex");

describe("Rdm6300Parser", () => {
  it("decodes the hand-computed golden frames", () => {
    const parser = new Rdm6300Parser();
    expect(parser.push(GOLDEN_A)).toEqual([{ ok: true, version: 0, tag: 1659090081, rawHex: "0062E3B4A1" }]);
    expect(parser.push(GOLDEN_B)).toEqual([{ ok: true, version: 0x1a, tag: 11715540, rawHex: "1A00B2C3D4" }]);
    expect(parser.stats()).toEqual({ frames: 2, badChecksums: 0, malformedFrames: 0, droppedBytes: 0 });
  });

  it("reassembles a frame delivered one byte at a time", () => {
    const parser = new Rdm6300Parser();
    const results = [...GOLDEN_A].flatMap((byte) => parser.push(Buffer.from([byte])));
    expect(results).toMatchObject([{ ok: true, rawHex: "0062E3B4A1" }]);
  });

  it("drops and counts garbage before STX", () => {
    const parser = new Rdm6300Parser();
    const results = parser.push(Buffer.concat([Buffer.from([0xff, 0x00, 0x41, 0x03]), GOLDEN_A]));
    expect(results).toMatchObject([{ ok: true, tag: 1659090081 }]);
    expect(parser.stats()).toMatchObject({ droppedBytes: 4, malformedFrames: 0 });
  });

  it("resynchronises on a real frame that starts inside a broken one", () => {
    const parser = new Rdm6300Parser();
    // A frame cut off after 3 digits, then a whole frame: the second STX is not hex, so only the
    // first STX is given up and the scan restarts right after it.
    const results = parser.push(Buffer.concat([GOLDEN_A.subarray(0, 4), GOLDEN_B]));
    expect(results).toMatchObject([{ ok: true, rawHex: "1A00B2C3D4" }]);
    expect(parser.stats()).toMatchObject({ malformedFrames: 1, droppedBytes: 4, frames: 1 });
  });

  it("resynchronises even when the broken frame arrived in an earlier chunk", () => {
    const parser = new Rdm6300Parser();
    expect(parser.push(GOLDEN_A.subarray(0, 9))).toEqual([]);
    expect(parser.push(GOLDEN_B)).toMatchObject([{ ok: true, rawHex: "1A00B2C3D4" }]);
  });

  it("drops a frame containing a non-hex character", () => {
    const parser = new Rdm6300Parser();
    const bad = Buffer.from(GOLDEN_A);
    bad[5] = 0x47; // 'G'
    expect(parser.push(Buffer.concat([bad, GOLDEN_B]))).toMatchObject([{ ok: true, rawHex: "1A00B2C3D4" }]);
    expect(parser.stats()).toMatchObject({ malformedFrames: 1, droppedBytes: 14, badChecksums: 0 });
  });

  it("drops a frame without ETX in place", () => {
    const parser = new Rdm6300Parser();
    const bad = Buffer.from(GOLDEN_A);
    bad[13] = 0x04;
    expect(parser.push(bad)).toEqual([]);
    expect(parser.stats()).toMatchObject({ malformedFrames: 1, droppedBytes: 14, frames: 0 });
  });

  it("reports a bad checksum with the data it carried, never as a tag", () => {
    const parser = new Rdm6300Parser();
    const bad = Buffer.from(GOLDEN_A);
    bad[12] = 0x35; // checksum "95" instead of "94"
    expect(parser.push(bad)).toEqual([{ ok: false, detail: "bad_checksum", rawHex: "0062E3B4A1" }]);
    expect(parser.stats()).toMatchObject({ badChecksums: 1, frames: 0 });
  });

  it("accepts lower-case hex digits", () => {
    const parser = new Rdm6300Parser();
    const lower = Buffer.from([0x02, ...Buffer.from("0062e3b4a194", "latin1"), 0x03]);
    expect(parser.push(lower)).toMatchObject([{ ok: true, rawHex: "0062E3B4A1" }]);
  });

  it("finds every frame in random line noise and never throws", () => {
    let seed = 12345;
    const random = () => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed;
    };
    const parser = new Rdm6300Parser();
    const wire: Buffer[] = [];
    for (let i = 0; i < 200; i++) {
      wire.push(Buffer.from(Array.from({ length: random() % 20 }, () => random() & 0xff)));
      wire.push(i % 2 === 0 ? GOLDEN_A : GOLDEN_B);
    }
    const stream = Buffer.concat(wire);
    const results = [];
    for (let pos = 0; pos < stream.length; ) {
      const size = 1 + (random() % 17);
      results.push(...parser.push(stream.subarray(pos, pos + size)));
      pos += size;
    }
    const good = results.filter((r) => r.ok);
    expect(good).toHaveLength(200);
    expect(good.every((r, i) => r.rawHex === (i % 2 === 0 ? "0062E3B4A1" : "1A00B2C3D4"))).toBe(true);
  });
});

describe("encodeRdm6300Frame", () => {
  it("produces the hand-computed golden frames", () => {
    expect(encodeRdm6300Frame("0062E3B4A1")).toEqual(GOLDEN_A);
    expect(encodeRdm6300Frame("1a00b2c3d4")).toEqual(GOLDEN_B);
  });

  it("can corrupt the checksum for fault tests", () => {
    expect(
      new Rdm6300Parser().push(encodeRdm6300Frame("0062E3B4A1", { corruptChecksum: true })),
    ).toMatchObject([{ ok: false, detail: "bad_checksum" }]);
  });

  it("rejects data that is not 10 hex digits", () => {
    expect(() => encodeRdm6300Frame("62E3B4A1")).toThrow();
    expect(() => encodeRdm6300Frame("0062E3B4AZ")).toThrow();
  });
});
