import { beforeEach, describe, expect, it } from "vitest";
import type { BadgeBadRead } from "../../devices/badge/badge-events.js";
import { type Rdm6300BadgeRead, Rdm6300Reader } from "../../devices/badge/rdm6300-reader.js";
import { FakeClock } from "../../simulator/fake-clock.js";
import { VirtualRdm6300 } from "../../simulator/virtual-rdm6300.js";
import { FeedableSerialLink } from "../devices/badge/feedable-serial-link.js";

// Hand-computed in test/devices/badge/rdm6300-parser.test.ts.
const GOLDEN_A = "0230303632453342344131393403"; // version 00, tag 62E3B4A1, checksum 94

describe("VirtualRdm6300", () => {
  let clock: FakeClock;

  beforeEach(() => {
    clock = new FakeClock();
  });

  it("sends the golden frame at once and every 250 ms while the tag is held, nothing after removal", async () => {
    const t0 = clock.now();
    const sent: string[] = [];
    const virtual = new VirtualRdm6300({
      wire: { write: (bytes) => sent.push(`${clock.now() - t0} ${bytes.toString("hex")}`) },
      clock,
    });
    virtual.present("62E3B4A1"); // 8 digits: version 00
    await clock.advance(600);
    virtual.remove();
    await clock.advance(2000);
    expect(sent).toEqual([`0 ${GOLDEN_A}`, `250 ${GOLDEN_A}`, `500 ${GOLDEN_A}`]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("applies the fault knobs: noise, corrupt checksum, chunking", () => {
    const sent: Buffer[] = [];
    const virtual = new VirtualRdm6300({ wire: { write: (bytes) => sent.push(Buffer.from(bytes)) }, clock });
    virtual.noiseBeforeEachFrame = Buffer.from([0xaa]);
    virtual.corruptChecksum = true;
    virtual.chunkBytes = 5;
    virtual.present("0062E3B4A1");
    virtual.dispose();
    expect(sent.map((b) => b.toString("hex"))).toEqual([
      "aa",
      "0230303632",
      "4533423441",
      "31393503", // checksum "95": low bit flipped
    ]);
  });

  describe("feeding the real Rdm6300Reader", () => {
    let link: FeedableSerialLink;
    let virtual: VirtualRdm6300;
    let badges: Rdm6300BadgeRead[];
    let badReads: BadgeBadRead[];
    let reader: Rdm6300Reader;

    beforeEach(() => {
      link = new FeedableSerialLink();
      virtual = new VirtualRdm6300({ wire: { write: (bytes) => link.feed(bytes) }, clock });
      badges = [];
      badReads = [];
      reader = new Rdm6300Reader({
        link,
        clock,
        onBadge: (read) => badges.push(read),
        onBadRead: (bad) => badReads.push(bad),
      });
      reader.start();
    });

    it("a card held for 3 s is one read; presented again after 2 s away, a second read", async () => {
      virtual.present("0062E3B4A1");
      await clock.advance(3000);
      virtual.remove();
      await clock.advance(2000);
      virtual.present("0062E3B4A1");
      await clock.advance(500);
      virtual.dispose();
      expect(badges.map((b) => b.number)).toEqual(["1659090081", "1659090081"]);
      expect(badReads).toEqual([]);
    });

    it("a card swapped for another inside the window is read at once", async () => {
      virtual.present("0062E3B4A1");
      await clock.advance(300);
      virtual.present("1A00B2C3D4");
      await clock.advance(300);
      virtual.dispose();
      expect(badges.map((b) => b.rawHex)).toEqual(["0062E3B4A1", "1A00B2C3D4"]);
    });

    it("noise before every frame and 3-byte chunks still give one clean read", async () => {
      virtual.noiseBeforeEachFrame = Buffer.from([0x02, 0x41, 0xff, 0x03]); // even a stray STX
      virtual.chunkBytes = 3;
      virtual.present("1A00B2C3D4");
      await clock.advance(1000);
      virtual.dispose();
      expect(badges).toMatchObject([{ number: "11715540", format: "EM4100" }]);
      expect(reader.stats()).toMatchObject({ frames: 5, malformedFrames: 5 });
    });

    it("corrupt checksums give only bad reads, never a badge", async () => {
      virtual.corruptChecksum = true;
      virtual.present("0062E3B4A1");
      await clock.advance(1000);
      virtual.dispose();
      expect(badges).toEqual([]);
      expect(badReads).toHaveLength(5);
      expect(badReads[0]).toMatchObject({ format: "EM4100", detail: "bad_checksum" });
    });

    it("bare line noise produces nothing but counters", () => {
      virtual.noise([0x30, 0x31, 0x02, 0x30, 0x03, 0xff]);
      expect(badges).toEqual([]);
      expect(badReads).toEqual([]);
      expect(reader.stats()).toMatchObject({ droppedBytes: 6, malformedFrames: 1 });
    });
  });
});
