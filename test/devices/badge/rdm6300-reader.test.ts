import { beforeEach, describe, expect, it } from "vitest";
import type { BadgeBadRead } from "../../../devices/badge/badge-events.js";
import { type Rdm6300BadgeRead, Rdm6300Reader } from "../../../devices/badge/rdm6300-reader.js";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { FeedableSerialLink } from "./feedable-serial-link.js";

// Hand-computed in rdm6300-parser.test.ts.
const TAG_A = Buffer.from("0230303632453342344131393403", "hex"); // 0062E3B4A1 -> 1659090081
const TAG_B = Buffer.from("0231413030423243334434424603", "hex"); // 1A00B2C3D4 -> 11715540

describe("Rdm6300Reader", () => {
  let clock: FakeClock;
  let link: FeedableSerialLink;
  let reader: Rdm6300Reader;
  let badges: Rdm6300BadgeRead[];
  let badReads: BadgeBadRead[];
  let closed: { err: Error | undefined; atMs: number }[];

  beforeEach(() => {
    clock = new FakeClock();
    link = new FeedableSerialLink();
    badges = [];
    badReads = [];
    closed = [];
    reader = new Rdm6300Reader({
      link,
      clock,
      onBadge: (read) => badges.push(read),
      onBadRead: (bad) => badReads.push(bad),
      onLinkClosed: (err, atMs) => closed.push({ err, atMs }),
    });
    reader.start();
  });

  /** The module repeating a frame every 250 ms for durationMs. */
  async function hold(frame: Buffer, durationMs: number): Promise<void> {
    for (let t = 0; t < durationMs; t += 250) {
      link.feed(frame);
      await clock.advance(250);
    }
  }

  it("reports the golden tag with its decimal number and raw hex", () => {
    link.feed(TAG_A);
    expect(badges).toEqual([
      { number: "1659090081", format: "EM4100", rawHex: "0062E3B4A1", atMs: clock.now() },
    ]);
    expect(reader.stats()).toMatchObject({ badges: 1, frames: 1 });
  });

  it("reports a tag that arrives split across chunks, after noise", () => {
    link.feed([0x00, 0xff, 0x37]);
    link.feed(TAG_B.subarray(0, 5));
    link.feed(TAG_B.subarray(5));
    expect(badges).toMatchObject([{ number: "11715540", rawHex: "1A00B2C3D4" }]);
    expect(reader.stats().droppedBytes).toBe(3);
  });

  it("reports a held tag once, however long it is held", async () => {
    await hold(TAG_A, 10_000);
    expect(badges).toHaveLength(1);
    expect(reader.stats().suppressedRepeats).toBe(39);
  });

  it("reports the same tag again once it has been away for the whole window", async () => {
    await hold(TAG_A, 1000); // last repeat at +750
    await clock.advance(1500 - 250); // now exactly 1500 ms after the last repeat
    link.feed(TAG_A);
    expect(badges).toHaveLength(2);
  });

  it("suppresses the same tag back inside the window, measured from its last repeat", async () => {
    await hold(TAG_A, 5000); // held 5 s: the window counts from the last repeat, not the first read
    await clock.advance(1000); // now 1249 ms after the last repeat
    link.feed(TAG_A);
    expect(badges).toHaveLength(1);
  });

  it("does not suppress a different tag inside the window, nor the first tag coming back after it", async () => {
    link.feed(TAG_A);
    await clock.advance(100);
    link.feed(TAG_B);
    await clock.advance(100);
    link.feed(TAG_A);
    expect(badges.map((b) => b.rawHex)).toEqual(["0062E3B4A1", "1A00B2C3D4", "0062E3B4A1"]);
  });

  it("reports a bad checksum as a bad read, never a badge, and leaves de-duplication alone", async () => {
    const bad = Buffer.from(TAG_A);
    bad[12] = 0x35;
    link.feed(TAG_A);
    await clock.advance(250);
    link.feed(bad);
    await clock.advance(250);
    link.feed(TAG_A);
    expect(badReads).toEqual([{ format: "EM4100", detail: "bad_checksum", atMs: clock.now() - 250 }]);
    expect(badges).toHaveLength(1);
  });

  it("counts malformed frames without reporting them", () => {
    const bad = Buffer.from(TAG_A);
    bad[7] = 0x20;
    link.feed(bad);
    expect(badges).toEqual([]);
    expect(badReads).toEqual([]);
    expect(reader.stats()).toMatchObject({ malformedFrames: 1, droppedBytes: 14 });
  });

  it("reports the link going away", () => {
    link.unplug(new Error("ttyUSB0 vanished"));
    expect(closed).toHaveLength(1);
    expect(closed[0]?.err?.message).toBe("ttyUSB0 vanished");
  });

  it("stop unsubscribes, drops a partial frame and forgets the last tag", () => {
    link.feed(TAG_A);
    link.feed(TAG_B.subarray(0, 6));
    reader.stop();
    expect(link.listenerCount()).toBe(0);
    reader.start();
    link.feed(TAG_B.subarray(6)); // the tail alone is garbage now
    link.feed(TAG_A); // not a repeat: the reader was restarted
    expect(badges.map((b) => b.rawHex)).toEqual(["0062E3B4A1", "0062E3B4A1"]);
    expect(link.written).toEqual([]); // TX-only module: the reader never writes
  });
});
