import { type FrameFormat, ResyncFramer, type ResyncStats } from "../transports/resync-framer.js";
import { HEADER_BYTES, MARK, SOM } from "./constants.js";
import { announcedLength, type DecodedFrame, decodeFrame, OsdpDecodeError } from "./packet-codec.js";

/** frames, droppedBytes (mark bytes not included), badFrames (a SOM with a bad length, check or structure). */
export type OsdpFrameParserStats = ResyncStats;

export interface OsdpFrameParserOptions {
  /** Largest packet accepted; a bigger length field marks a false SOM. */
  maxPacketBytes?: number;
}

/** libosdp's default packet buffer; readers announce theirs in PDCAP (receive buffer size). */
export const DEFAULT_MAX_PACKET_BYTES = 512;

/** OSDP framing: a packet starts at SOM, its header announces its length, CRC or checksum ends it. */
function osdpFormat(maxPacketBytes: number): FrameFormat<DecodedFrame> {
  return {
    findStart: (buf, from) => buf.indexOf(SOM, from),
    check: (buf, at) => {
      const available = buf.length - at;
      if (available < HEADER_BYTES) return "incomplete";
      const length = announcedLength(buf.subarray(at, at + HEADER_BYTES), maxPacketBytes);
      if (length === null) return "bad";
      if (available < length) return "incomplete";
      try {
        return { length, frame: decodeFrame(buf.subarray(at, at + length)) };
      } catch (err) {
        if (err instanceof OsdpDecodeError) return "bad";
        throw err;
      }
    },
    // The mark byte (0xFF) before a packet is line idle, not lost data.
    countsAsDropped: (byte) => byte !== MARK,
  };
}

/**
 * Resynchronising OSDP packet parser. Feed it arbitrary chunks (an RS-485 line carries the CP's own
 * echo, other PDs' replies, noise after a bus turnaround); it scans for SOM, checks the length and
 * the CRC/checksum, and calls onFrame for each valid packet. A rejected candidate costs only its
 * first byte (see ResyncFramer), so a genuine packet behind a false SOM survives. reset() after a
 * timeout, so a torn reply cannot glue onto the next one.
 */
export class OsdpFrameParser extends ResyncFramer<DecodedFrame> {
  constructor(onFrame: (frame: DecodedFrame, raw: Buffer) => void, opts: OsdpFrameParserOptions = {}) {
    super(osdpFormat(opts.maxPacketBytes ?? DEFAULT_MAX_PACKET_BYTES), onFrame);
  }
}
