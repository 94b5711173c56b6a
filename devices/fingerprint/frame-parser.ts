import { type FrameFormat, ResyncFramer, type ResyncStats } from "../transports/resync-framer.js";
import {
  CHECKSUM_BYTES,
  type FingerprintPacket,
  HEADER_0,
  HEADER_1,
  MAX_PAYLOAD_BYTES,
  PREFIX_BYTES,
  packetChecksum,
  VALID_PIDS,
} from "./packet-codec.js";

/** frames, droppedBytes, badFrames (candidates starting EF 01 with a bad PID, length or checksum). */
export type FrameParserStats = ResyncStats;

export interface FrameParserOptions {
  /** Largest payload accepted; a bigger length field marks a false header. */
  maxPayloadBytes?: number;
}

/** R503 framing: EF 01, address, PID, a big-endian length, payload, a 16-bit sum. */
function r503Format(maxPayloadBytes: number): FrameFormat<null> {
  const findStart = (buf: Buffer, from: number) => {
    for (let i = from; i + 1 < buf.length; i++) if (buf[i] === HEADER_0 && buf[i + 1] === HEADER_1) return i;
    return -1;
  };
  return {
    findStart,
    check: (buf, at) => {
      const available = buf.length - at;
      if (available >= 7 && !VALID_PIDS.has(buf[at + 6] as number)) return "bad";
      if (available < PREFIX_BYTES) return "incomplete";
      const lengthField = buf.readUInt16BE(at + 7);
      if (lengthField < CHECKSUM_BYTES + 1 || lengthField > maxPayloadBytes + CHECKSUM_BYTES) return "bad";
      const total = PREFIX_BYTES + lengthField;
      if (available < total) return "incomplete";
      const payload = buf.subarray(at + PREFIX_BYTES, at + total - CHECKSUM_BYTES);
      const expected = packetChecksum(buf[at + 6] as number, lengthField, payload);
      return buf.readUInt16BE(at + total - CHECKSUM_BYTES) === expected
        ? { length: total, frame: null }
        : "bad";
    },
    // A trailing EF may be the first half of a header split across chunks.
    partialStartAtEnd: (buf) => (buf[buf.length - 1] === HEADER_0 ? 1 : 0),
  };
}

/**
 * Resynchronising parser for R503-family frames. Feed it arbitrary chunks; it scans for EF 01,
 * checks PID, length and checksum, and calls onFrame for each valid frame.
 *
 * Why not serialport's PacketLengthParser: it reads the length little-endian and, after a stray
 * byte, skips a whole bogus length and loses the next frame. Here a rejected candidate costs only
 * its first byte (see ResyncFramer): scanning resumes at the byte after the false header.
 */
export class FingerprintFrameParser extends ResyncFramer<null> {
  constructor(onFrame: (packet: FingerprintPacket, raw: Buffer) => void, opts: FrameParserOptions = {}) {
    super(r503Format(opts.maxPayloadBytes ?? MAX_PAYLOAD_BYTES), (_, raw) =>
      onFrame(
        {
          address: raw.readUInt32BE(2),
          pid: raw[6] as number,
          payload: raw.subarray(PREFIX_BYTES, raw.length - CHECKSUM_BYTES),
        },
        raw,
      ),
    );
  }
}
