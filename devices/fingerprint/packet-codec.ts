/**
 * R503 / R307 / AS608 packet codec (see HARDWARE.md):
 *   EF 01 | address (4) | PID (1) | length (2) = payload + 2 | payload | checksum (2)
 * checksum = (PID + both length bytes + every payload byte) & 0xFFFF; header and address excluded.
 * All multi-byte fields are big-endian.
 */

export const HEADER_0 = 0xef;
export const HEADER_1 = 0x01;
/** Header (2) + address (4) + PID (1) + length (2). */
export const PREFIX_BYTES = 9;
export const CHECKSUM_BYTES = 2;
export const DEFAULT_ADDRESS = 0xffffffff;
/** The largest data packet the family supports (packet size code 3). */
export const MAX_PAYLOAD_BYTES = 256;

export const Pid = { command: 0x01, data: 0x02, ack: 0x07, endOfData: 0x08 } as const;
export const VALID_PIDS: ReadonlySet<number> = new Set(Object.values(Pid));

export const Command = {
  GenImg: 0x01,
  Img2Tz: 0x02,
  Search: 0x04,
  RegModel: 0x05,
  Store: 0x06,
  DeleteChar: 0x0c,
  Empty: 0x0d,
  ReadSysPara: 0x0f,
  VfyPwd: 0x13,
  TemplateNum: 0x1d,
  ReadIndexTable: 0x1f,
  AuraLedConfig: 0x35,
  SoftReset: 0x3d,
} as const;
export type CommandName = keyof typeof Command;

/** Confirmation codes (first payload byte of an ack). */
export const Confirm = {
  ok: 0x00,
  packetError: 0x01,
  noFinger: 0x02,
  imagingFailed: 0x03,
  messyImage: 0x06,
  fewFeatures: 0x07,
  notFound: 0x09,
  mismatch: 0x0a,
  badLocation: 0x0b,
  readError: 0x0c,
  deleteFailed: 0x10,
  clearFailed: 0x11,
  wrongPassword: 0x13,
  invalidImage: 0x15,
  flashError: 0x18,
  invalidRegister: 0x1a,
} as const;

/** The single byte a module sends after SoftReset (not a framed packet). */
export const SOFT_RESET_HANDSHAKE = 0x55;

export interface FingerprintPacket {
  address: number;
  pid: number;
  payload: Buffer;
}

export function commandName(code: number): string {
  for (const [name, value] of Object.entries(Command)) if (value === code) return name;
  return `0x${code.toString(16).padStart(2, "0")}`;
}

/** Sum of PID, the two length bytes and the payload, truncated to 16 bits. */
export function packetChecksum(pid: number, lengthField: number, payload: Uint8Array): number {
  let sum = pid + (lengthField >> 8) + (lengthField & 0xff);
  for (const byte of payload) sum += byte;
  return sum & 0xffff;
}

export function encodePacket(packet: FingerprintPacket): Buffer {
  const { address, pid, payload } = packet;
  if (payload.length > MAX_PAYLOAD_BYTES)
    throw new RangeError(`payload of ${payload.length} bytes is too long`);
  const lengthField = payload.length + CHECKSUM_BYTES;
  const out = Buffer.alloc(PREFIX_BYTES + lengthField);
  out[0] = HEADER_0;
  out[1] = HEADER_1;
  out.writeUInt32BE(address >>> 0, 2);
  out[6] = pid;
  out.writeUInt16BE(lengthField, 7);
  payload.copy(out, PREFIX_BYTES);
  out.writeUInt16BE(packetChecksum(pid, lengthField, payload), PREFIX_BYTES + payload.length);
  return out;
}

export class PacketDecodeError extends Error {
  override name = "PacketDecodeError";
}

/** Decodes exactly one whole frame; throws PacketDecodeError if anything is off. */
export function decodePacket(frame: Buffer): FingerprintPacket {
  if (frame.length < PREFIX_BYTES + CHECKSUM_BYTES) throw new PacketDecodeError("frame too short");
  if (frame[0] !== HEADER_0 || frame[1] !== HEADER_1) throw new PacketDecodeError("bad header");
  const pid = frame[6] as number;
  if (!VALID_PIDS.has(pid)) throw new PacketDecodeError(`bad PID 0x${pid.toString(16)}`);
  const lengthField = frame.readUInt16BE(7);
  if (lengthField < CHECKSUM_BYTES || frame.length !== PREFIX_BYTES + lengthField) {
    throw new PacketDecodeError(`length field ${lengthField} does not match a ${frame.length}-byte frame`);
  }
  const payload = frame.subarray(PREFIX_BYTES, frame.length - CHECKSUM_BYTES);
  const expected = packetChecksum(pid, lengthField, payload);
  const actual = frame.readUInt16BE(frame.length - CHECKSUM_BYTES);
  if (expected !== actual)
    throw new PacketDecodeError(`checksum 0x${actual.toString(16)} != 0x${expected.toString(16)}`);
  return { address: frame.readUInt32BE(2), pid, payload: Buffer.from(payload) };
}

/** A command frame: payload = instruction code followed by its parameters. */
export function encodeCommand(
  code: number,
  params: Uint8Array = Buffer.alloc(0),
  address = DEFAULT_ADDRESS,
): Buffer {
  return encodePacket({ address, pid: Pid.command, payload: Buffer.concat([Buffer.of(code), params]) });
}

/** An ack frame: payload = confirmation code followed by the returned data. */
export function encodeAck(
  confirm: number,
  data: Uint8Array = Buffer.alloc(0),
  address = DEFAULT_ADDRESS,
): Buffer {
  return encodePacket({ address, pid: Pid.ack, payload: Buffer.concat([Buffer.of(confirm), data]) });
}

/** Big-endian 16-bit field helper for command parameters. */
export function u16(value: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(value & 0xffff);
  return b;
}

export function u32(value: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(value >>> 0);
  return b;
}
