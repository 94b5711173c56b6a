/**
 * Payloads of the OSDP commands and replies doorward uses (SIA OSDP 2.2, sections 6 and 7).
 * Parsers return null on a payload of the wrong shape: a malformed reply is a protocol error for
 * the caller to count, never an exception inside the bus loop.
 */
import { CapFunction, LedColor } from "./constants.js";

export interface PdIdentity {
  /** IEEE OUI, 3 bytes, as "0a1b2c". */
  vendor: string;
  model: number;
  version: number;
  serial: number;
  firmware: string;
}

export interface PdCapability {
  function: number;
  compliance: number;
  count: number;
}

export interface LocalStatus {
  tamper: boolean;
  powerFailure: boolean;
}

export interface CardRead {
  readerNumber: number;
  /** 0 = raw, unspecified format; 1 = Wiegand bit order. */
  formatCode: number;
  bitCount: number;
  /** The bits, most significant (first received) first, zero-padded to whole bytes. */
  bits: Buffer;
}

export interface LedTiming {
  /** 100 ms units. */
  onTime: number;
  offTime: number;
  onColor: number;
  offColor: number;
}

export interface LedCommand {
  readerNumber: number;
  ledNumber: number;
  /** A temporary pattern (e.g. green for 3 s), then back to the permanent one. */
  temporary?: LedTiming & { timer: number };
  permanent?: LedTiming;
}

export interface BuzzerCommand {
  readerNumber: number;
  /** 1 = off, 2 = default tone. */
  tone: number;
  /** 100 ms units. */
  onTime: number;
  offTime: number;
  /** 0 = until told otherwise. */
  count: number;
}

export interface TextCommand {
  readerNumber: number;
  /** 1 permanent, 3 temporary (no wrap). */
  mode: number;
  /** Seconds, for a temporary text. */
  seconds: number;
  row: number;
  column: number;
  text: string;
}

export function encodePdId(id: PdIdentity): Buffer {
  const out = Buffer.alloc(12);
  Buffer.from(id.vendor, "hex").copy(out, 0, 0, 3);
  out[3] = id.model;
  out[4] = id.version;
  out.writeUInt32LE(id.serial >>> 0, 5);
  const [major = 0, minor = 0, build = 0] = id.firmware.split(".").map(Number);
  out[9] = major;
  out[10] = minor;
  out[11] = build;
  return out;
}

export function parsePdId(data: Buffer): PdIdentity | null {
  if (data.length < 12) return null;
  return {
    vendor: data.subarray(0, 3).toString("hex"),
    model: data[3] as number,
    version: data[4] as number,
    serial: data.readUInt32LE(5),
    firmware: `${data[9]}.${data[10]}.${data[11]}`,
  };
}

export function encodePdCap(caps: PdCapability[]): Buffer {
  return Buffer.from(caps.flatMap((c) => [c.function, c.compliance, c.count]));
}

export function parsePdCap(data: Buffer): PdCapability[] | null {
  if (data.length === 0 || data.length % 3 !== 0) return null;
  const caps: PdCapability[] = [];
  for (let i = 0; i < data.length; i += 3)
    caps.push({
      function: data[i] as number,
      compliance: data[i + 1] as number,
      count: data[i + 2] as number,
    });
  return caps;
}

/** Communication security: compliance bit 0 = AES-128 supported. */
export function supportsSecureChannel(caps: PdCapability[]): boolean {
  const sec = caps.find((c) => c.function === CapFunction.communicationSecurity);
  return sec !== undefined && (sec.compliance & 0x01) !== 0;
}

export function parseLocalStatus(data: Buffer): LocalStatus | null {
  if (data.length < 2) return null;
  return { tamper: data[0] !== 0, powerFailure: data[1] !== 0 };
}

export function encodeLocalStatus(s: LocalStatus): Buffer {
  return Buffer.of(s.tamper ? 1 : 0, s.powerFailure ? 1 : 0);
}

export function encodeCardRead(read: CardRead): Buffer {
  const head = Buffer.alloc(4);
  head[0] = read.readerNumber;
  head[1] = read.formatCode;
  head.writeUInt16LE(read.bitCount, 2);
  return Buffer.concat([head, read.bits.subarray(0, Math.ceil(read.bitCount / 8))]);
}

export function parseCardRead(data: Buffer): CardRead | null {
  if (data.length < 4) return null;
  const bitCount = data.readUInt16LE(2);
  if (bitCount === 0 || data.length !== 4 + Math.ceil(bitCount / 8)) return null;
  return { readerNumber: data[0] as number, formatCode: data[1] as number, bitCount, bits: data.subarray(4) };
}

/** osdp_KEYPAD sends '*' as 0x7F and '#' as 0x0D; doorward's keypad vocabulary uses '*' and '#'. */
export function encodeKeypad(readerNumber: number, keys: string): Buffer {
  const bytes = [...keys].map((k) => (k === "*" ? 0x7f : k === "#" ? 0x0d : k.charCodeAt(0)));
  return Buffer.from([readerNumber, bytes.length, ...bytes]);
}

export function parseKeypad(data: Buffer): { readerNumber: number; keys: string } | null {
  if (data.length < 2 || data.length !== 2 + (data[1] as number)) return null;
  let keys = "";
  for (const b of data.subarray(2)) {
    if (b === 0x7f) keys += "*";
    else if (b === 0x0d) keys += "#";
    else if (b >= 0x30 && b <= 0x39) keys += String.fromCharCode(b);
    else return null;
  }
  return { readerNumber: data[0] as number, keys };
}

const TEMP_SET = 2;
const PERM_SET = 1;

export function encodeLed(cmd: LedCommand): Buffer {
  const out = Buffer.alloc(14);
  out[0] = cmd.readerNumber;
  out[1] = cmd.ledNumber;
  if (cmd.temporary) {
    const t = cmd.temporary;
    out[2] = TEMP_SET;
    out[3] = t.onTime;
    out[4] = t.offTime;
    out[5] = t.onColor;
    out[6] = t.offColor;
    out.writeUInt16LE(t.timer, 7);
  }
  if (cmd.permanent) {
    const p = cmd.permanent;
    out[9] = PERM_SET;
    out[10] = p.onTime;
    out[11] = p.offTime;
    out[12] = p.onColor;
    out[13] = p.offColor;
  }
  return out;
}

export function parseLed(data: Buffer): LedCommand | null {
  if (data.length < 14 || data.length % 14 !== 0) return null;
  const cmd: LedCommand = { readerNumber: data[0] as number, ledNumber: data[1] as number };
  if (data[2] === TEMP_SET)
    cmd.temporary = {
      onTime: data[3] as number,
      offTime: data[4] as number,
      onColor: data[5] as number,
      offColor: data[6] as number,
      timer: data.readUInt16LE(7),
    };
  if (data[9] === PERM_SET)
    cmd.permanent = {
      onTime: data[10] as number,
      offTime: data[11] as number,
      onColor: data[12] as number,
      offColor: data[13] as number,
    };
  return cmd;
}

export function encodeBuzzer(cmd: BuzzerCommand): Buffer {
  return Buffer.of(cmd.readerNumber, cmd.tone, cmd.onTime, cmd.offTime, cmd.count);
}

export function parseBuzzer(data: Buffer): BuzzerCommand | null {
  if (data.length !== 5) return null;
  const [readerNumber, tone, onTime, offTime, count] = [...data] as [number, number, number, number, number];
  return { readerNumber, tone, onTime, offTime, count };
}

export function encodeText(cmd: TextCommand): Buffer {
  const text = Buffer.from(cmd.text, "latin1").subarray(0, 32);
  return Buffer.concat([
    Buffer.of(cmd.readerNumber, cmd.mode, cmd.seconds, cmd.row, cmd.column, text.length),
    text,
  ]);
}

export function parseText(data: Buffer): TextCommand | null {
  if (data.length < 6 || data.length !== 6 + (data[5] as number)) return null;
  return {
    readerNumber: data[0] as number,
    mode: data[1] as number,
    seconds: data[2] as number,
    row: data[3] as number,
    column: data[4] as number,
    text: data.subarray(6).toString("latin1"),
  };
}

/** osdp_KEYSET: key type 1 (SCBK), length 16, the key. Only ever sent inside the Secure Channel. */
export function encodeKeyset(key: Buffer): Buffer {
  return Buffer.concat([Buffer.of(0x01, key.length), key]);
}

export function parseKeyset(data: Buffer): Buffer | null {
  if (data.length !== 18 || data[0] !== 0x01 || data[1] !== 16) return null;
  return Buffer.from(data.subarray(2));
}

export type Feedback = "granted" | "denied" | "locked_out" | "fault" | "idle";

/**
 * What the reader shows for each outcome: the idle pattern is a steady red permanent state; each
 * outcome is a temporary pattern on top of it, so the reader returns to idle by itself even if the
 * CP goes quiet.
 */
export function feedbackCommands(
  feedback: Feedback,
  readerNumber = 0,
): { led: LedCommand; buzzer?: BuzzerCommand } {
  const idle: LedTiming = { onTime: 1, offTime: 0, onColor: LedColor.red, offColor: LedColor.black };
  const temp = (onColor: number, onTime: number, offTime: number, seconds: number) => ({
    onTime,
    offTime,
    onColor,
    offColor: LedColor.black,
    timer: seconds * 10,
  });
  const beep = (onTime: number, offTime: number, count: number): BuzzerCommand => ({
    readerNumber,
    tone: 2,
    onTime,
    offTime,
    count,
  });
  const led = (temporary?: LedCommand["temporary"]): LedCommand => ({
    readerNumber,
    ledNumber: 0,
    permanent: idle,
    ...(temporary ? { temporary } : {}),
  });
  switch (feedback) {
    case "granted":
      return { led: led(temp(LedColor.green, 30, 0, 3)), buzzer: beep(2, 0, 1) };
    case "denied":
      return { led: led(temp(LedColor.red, 2, 2, 2)), buzzer: beep(1, 1, 3) };
    case "locked_out":
      return { led: led(temp(LedColor.amber, 5, 5, 5)), buzzer: beep(10, 0, 1) };
    case "fault":
      return { led: led(temp(LedColor.amber, 1, 1, 3)), buzzer: beep(1, 1, 2) };
    case "idle":
      return { led: led() };
  }
}
