/**
 * OSDP packet codec (SIA OSDP 2.2, section 5):
 *   [FF mark] 53 | addr (bit 7 = reply) | len LSB | len MSB | ctrl | [SCB] | code | data | [MAC 4] | check
 * len counts every byte from SOM to the end of the check (the mark is outside the packet).
 * ctrl: bits 0-1 sequence number, bit 2 = CRC-16 (else an 8-bit checksum), bit 3 = SCB present.
 * SCB: its own length (incl. itself), a type (SCS_11..18), then type-specific data.
 * For SCS_15..18 the 4 MAC bytes follow the data and cover SOM .. end of (possibly encrypted) data.
 * CRC is CRC-16/AUG-CCITT (poly 0x1021, init 0x1D0F), sent little-endian.
 */
import { crc16xmodem } from "crc";
import {
  CTRL_CRC,
  CTRL_SCB,
  CTRL_SEQUENCE_MASK,
  HEADER_BYTES,
  isSecureMessageType,
  MAC_BYTES,
  MARK,
  REPLY_FLAG,
  SOM,
} from "./constants.js";

export interface SecurityBlock {
  type: number;
  data: Buffer;
}

export interface OsdpFrame {
  /** PD address 0..127, reply bit removed. */
  address: number;
  /** Sent by a PD (address bit 7 set). */
  reply: boolean;
  sequence: number;
  /** CRC-16 (true) or 8-bit checksum (false). */
  crc: boolean;
  scb: SecurityBlock | null;
  /** Command or reply code. */
  code: number;
  /** Bytes after the code as on the wire: ciphertext for SCS_17/18. */
  data: Buffer;
  /** First 4 bytes of the MAC, for SCS_15..18. */
  mac: Buffer | null;
}

export interface DecodedFrame extends OsdpFrame {
  /** The bytes the MAC covers (SOM .. end of data); empty when there is no MAC. */
  macInput: Buffer;
}

export type FrameFields = Omit<OsdpFrame, "mac">;

export interface EncodeOptions {
  /** Send the 0xFF mark byte before SOM. */
  mark?: boolean;
  /** Computes the MAC over SOM .. end of data; required for SCS_15..18. Returns at least 4 bytes. */
  mac?: (macInput: Buffer) => Buffer;
}

export class OsdpDecodeError extends Error {
  override name = "OsdpDecodeError";
}

/** Smallest valid packet: header, code, checksum. */
export const MIN_PACKET_BYTES = HEADER_BYTES + 2;

export function crc16(bytes: Buffer): number {
  return crc16xmodem(bytes, 0x1d0f);
}

/** Two's complement of the byte sum: the whole packet then sums to 0 mod 256. */
export function checksum8(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum += b;
  return -sum & 0xff;
}

export function checkBytes(crc: boolean): number {
  return crc ? 2 : 1;
}

export function encodeFrame(frame: FrameFields, opts: EncodeOptions = {}): Buffer {
  const { address, sequence, scb, data } = frame;
  if (!Number.isInteger(address) || address < 0 || address > 0x7f)
    throw new RangeError(`address ${address} is outside 0..127`);
  if (!Number.isInteger(sequence) || sequence < 0 || sequence > 3)
    throw new RangeError(`sequence ${sequence} is outside 0..3`);
  const secure = scb !== null && isSecureMessageType(scb.type);
  if (secure && !opts.mac) throw new Error("a secure message needs a MAC function");
  const scbBytes = scb
    ? Buffer.concat([Buffer.of(scb.data.length + 2, scb.type), scb.data])
    : Buffer.alloc(0);
  const length =
    HEADER_BYTES + scbBytes.length + 1 + data.length + (secure ? MAC_BYTES : 0) + checkBytes(frame.crc);
  if (length > 0xffff) throw new RangeError(`packet of ${length} bytes is too long`);

  const head = Buffer.alloc(HEADER_BYTES);
  head[0] = SOM;
  head[1] = address | (frame.reply ? REPLY_FLAG : 0);
  head.writeUInt16LE(length, 2);
  head[4] = sequence | (frame.crc ? CTRL_CRC : 0) | (scb ? CTRL_SCB : 0);
  let body = Buffer.concat([head, scbBytes, Buffer.of(frame.code), data]);
  if (secure && opts.mac) body = Buffer.concat([body, opts.mac(body).subarray(0, MAC_BYTES)]);

  const check = Buffer.alloc(checkBytes(frame.crc));
  if (frame.crc) check.writeUInt16LE(crc16(body));
  else check[0] = checksum8(body);
  return Buffer.concat([opts.mark ? Buffer.of(MARK) : Buffer.alloc(0), body, check]);
}

/**
 * The packet length a header announces, or why the header cannot start a packet. `head` starts at
 * SOM and holds at least HEADER_BYTES bytes.
 */
export function announcedLength(head: Buffer, maxPacketBytes: number): number | null {
  if (head[0] !== SOM) return null;
  const length = head.readUInt16LE(2);
  const ctrl = head[4] as number;
  const min = MIN_PACKET_BYTES + ((ctrl & CTRL_CRC) !== 0 ? 1 : 0) + ((ctrl & CTRL_SCB) !== 0 ? 2 : 0);
  if (length < min || length > maxPacketBytes) return null;
  // Control bits 4-6 are reserved and always 0 on the wire: a cheap filter for false SOMs.
  if ((ctrl & 0x70) !== 0) return null;
  return length;
}

/** Decodes exactly one packet starting at SOM (no mark byte); throws OsdpDecodeError if anything is off. */
export function decodeFrame(packet: Buffer): DecodedFrame {
  if (packet.length < MIN_PACKET_BYTES) throw new OsdpDecodeError("packet too short");
  if (packet[0] !== SOM) throw new OsdpDecodeError("no SOM");
  const length = packet.readUInt16LE(2);
  if (length !== packet.length)
    throw new OsdpDecodeError(`length field ${length} does not match a ${packet.length}-byte packet`);
  const ctrl = packet[4] as number;
  const crc = (ctrl & CTRL_CRC) !== 0;
  const checkLen = checkBytes(crc);
  const body = packet.subarray(0, length - checkLen);
  if (crc) {
    const expected = crc16(body);
    const actual = packet.readUInt16LE(length - 2);
    if (expected !== actual)
      throw new OsdpDecodeError(`CRC 0x${actual.toString(16)} != 0x${expected.toString(16)}`);
  } else if (checksum8(body) !== packet[length - 1]) {
    throw new OsdpDecodeError("checksum mismatch");
  }

  let offset = HEADER_BYTES;
  let scb: SecurityBlock | null = null;
  if ((ctrl & CTRL_SCB) !== 0) {
    const scbLen = packet[offset] as number;
    if (scbLen < 2 || offset + scbLen >= body.length) throw new OsdpDecodeError(`bad SCB length ${scbLen}`);
    scb = {
      type: packet[offset + 1] as number,
      data: Buffer.from(packet.subarray(offset + 2, offset + scbLen)),
    };
    offset += scbLen;
  }
  const secure = scb !== null && isSecureMessageType(scb.type);
  const dataEnd = body.length - (secure ? MAC_BYTES : 0);
  if (offset >= dataEnd) throw new OsdpDecodeError("no command or reply code");
  return {
    address: (packet[1] as number) & ~REPLY_FLAG,
    reply: ((packet[1] as number) & REPLY_FLAG) !== 0,
    sequence: ctrl & CTRL_SEQUENCE_MASK,
    crc,
    scb,
    code: packet[offset] as number,
    data: Buffer.from(packet.subarray(offset + 1, dataEnd)),
    mac: secure ? Buffer.from(body.subarray(dataEnd)) : null,
    macInput: secure ? Buffer.from(body.subarray(0, dataEnd)) : Buffer.alloc(0),
  };
}

/** Serial time of `bytes` at `baud` with 8N1 framing (10 bits per byte). */
export function wireTimeMs(bytes: number, baud: number): number {
  return (bytes * 10 * 1000) / baud;
}
