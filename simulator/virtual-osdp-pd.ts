import { randomBytes } from "node:crypto";
import { type Bit, bytesFromBits } from "../devices/badge/card-formats.js";
import {
  BROADCAST_ADDRESS,
  CapFunction,
  Cmd,
  KeySelector,
  NakCode,
  Reply,
  Scs,
} from "../devices/osdp/constants.js";
import { OsdpFrameParser } from "../devices/osdp/frame-parser.js";
import {
  type BuzzerCommand,
  encodeCardRead,
  encodeKeypad,
  encodeLocalStatus,
  encodePdCap,
  encodePdId,
  type LedCommand,
  type PdCapability,
  type PdIdentity,
  parseBuzzer,
  parseKeyset,
  parseLed,
  parseText,
  type TextCommand,
} from "../devices/osdp/messages.js";
import { crc16, type DecodedFrame, encodeFrame } from "../devices/osdp/packet-codec.js";
import {
  clientCryptogram,
  deriveSessionKeys,
  initialRmac,
  SCBK_D,
  type SessionKeys,
  sameBytes,
  serverCryptogram,
} from "../devices/osdp/secure-channel.js";
import { SecureSession } from "../devices/osdp/secure-session.js";
import type { Clock, SerialLink } from "../devices/types.js";

export interface VirtualOsdpPdOptions {
  clock: Clock;
  address: number;
  /** The installed SCBK; null = factory state (accepts only SCBK-D, i.e. install mode). */
  key?: Buffer | null;
  identity?: Partial<PdIdentity>;
  /** Leave Secure Channel out of PDCAP (an old reader). */
  noSecureChannel?: boolean;
  random?: (n: number) => Buffer;
  /** Delay before every reply (a slow reader). 0 = next microtask. */
  replyDelayMs?: number;
}

type Outgoing = { code: number; data: Buffer; scb?: { type: number; data: Buffer } };

/**
 * A simulated OSDP reader (PD) on the device end of a serial link: it speaks the real wire protocol,
 * Secure Channel included, so the CP under test cannot tell it from hardware. Several share one
 * line (multi-drop); each answers only its own address. Fault switches model what goes wrong on
 * real buses and what an attacker on the wire can do.
 */
export class VirtualOsdpPd {
  readonly address: number;
  key: Buffer | null;
  readonly identity: PdIdentity;
  /** Answer nothing (a dead or unplugged reader). */
  silent = false;
  /** The next N replies go out with a corrupted CRC. */
  corruptCrcNext = 0;
  /** The next N Secure Channel replies carry a wrong MAC (valid CRC). */
  wrongMacNext = 0;
  /** The next reply is replaced by an earlier card read reply with the same sequence number. */
  replayNext = false;
  /** The next N commands are answered osdp_BUSY (plaintext, sequence 0) and not processed. */
  busyNext = 0;
  /** Never enter the Secure Channel: answer osdp_CHLNG and everything else in plaintext. */
  plaintextOnly = false;
  /** false: answer osdp_ID with NAK "unknown command" (a reader that does not implement it). */
  answersId = true;
  led: LedCommand | null = null;
  buzzer: BuzzerCommand | null = null;
  text: TextCommand | null = null;
  tamper = false;
  powerFailure = false;
  /** Every command accepted (after Secure Channel checks), oldest first: for tests and the panel. */
  readonly received: { code: number; atMs: number }[] = [];

  private readonly clock: Clock;
  private readonly random: (n: number) => Buffer;
  private readonly replyDelayMs: number;
  private readonly noSecureChannel: boolean;
  private readonly parser = new OsdpFrameParser((frame, raw) => this.onFrame(frame, raw));
  private link: SerialLink | null = null;
  private detach: (() => void)[] = [];
  private writeChain: Promise<void> = Promise.resolve();
  private events: Outgoing[] = [];
  private statusReported = { tamper: false, powerFailure: false };
  private lastSequence = -1;
  private lastCommand: Buffer | null = null;
  private lastReply: Buffer | null = null;
  /** The last osdp_RAW reply sent under each sequence number (material for the replay fault). */
  private readonly cardReplies = new Map<number, Buffer>();
  private pendingHandshake: { keys: SessionKeys; cpRandom: Buffer; pdRandom: Buffer } | null = null;
  private session: SecureSession | null = null;
  private sessionAfterReply: SecureSession | null = null;

  constructor(opts: VirtualOsdpPdOptions) {
    this.clock = opts.clock;
    this.address = opts.address;
    this.key = opts.key ?? null;
    this.random = opts.random ?? randomBytes;
    this.replyDelayMs = opts.replyDelayMs ?? 0;
    this.noSecureChannel = opts.noSecureChannel ?? false;
    this.identity = {
      vendor: "0a1b2c",
      model: 1,
      version: 1,
      serial: 0x1000 + opts.address,
      firmware: "2.1.0",
      ...opts.identity,
    };
  }

  /** Connects to a link (several PDs may share one: multi-drop). */
  attach(link: SerialLink): void {
    for (const off of this.detach) off();
    this.link = link;
    this.parser.reset();
    this.detach = [link.onData((chunk) => this.parser.push(chunk))];
  }

  get secureChannelActive(): boolean {
    return this.session !== null;
  }

  /** A card at the reader: reported in reply to the next poll as osdp_RAW. */
  presentCard(bits: ReadonlyArray<Bit>): void {
    const data = encodeCardRead({
      readerNumber: 0,
      formatCode: 0,
      bitCount: bits.length,
      bits: bytesFromBits(bits),
    });
    this.events.push({ code: Reply.RAW, data });
  }

  /** Keys typed on the reader's keypad, reported as one osdp_KEYPAD. */
  pressKeys(keys: string): void {
    if (!/^[0-9*#]+$/.test(keys)) throw new Error(`not keypad keys: ${keys}`);
    this.events.push({ code: Reply.KEYPAD, data: encodeKeypad(0, keys) });
  }

  private onFrame(frame: DecodedFrame, raw: Buffer): void {
    if (frame.reply || (frame.address !== this.address && frame.address !== BROADCAST_ADDRESS)) return;
    if (this.silent) return;
    if (this.busyNext > 0) {
      this.busyNext--;
      const busy = { address: this.address, reply: true, sequence: 0, crc: frame.crc, scb: null };
      this.send(encodeFrame({ ...busy, code: Reply.BUSY, data: Buffer.alloc(0) }, { mark: true }));
      return;
    }
    if (frame.sequence !== 0 && frame.sequence === this.lastSequence && this.lastCommand?.equals(raw)) {
      // The CP did not hear our answer and sent the same packet again: answer the same.
      if (this.lastReply) this.send(this.lastReply);
      return;
    }
    if (frame.sequence === 0) {
      this.session = null; // sequence 0 restarts the connection, Secure Channel included
      this.pendingHandshake = null;
    } else if (this.lastSequence < 0 || frame.sequence !== (this.lastSequence % 3) + 1) {
      this.reply(frame, raw, { code: Reply.NAK, data: Buffer.of(NakCode.badSequence) }, true);
      return;
    }
    let code = frame.code;
    let data = frame.data;
    const secureType = frame.scb?.type === Scs.CMD_MAC || frame.scb?.type === Scs.CMD_MAC_ENC;
    // osdp_CHLNG may start a new session at any time (after osdp_KEYSET, for one); it ends the old one.
    if (frame.code === Cmd.CHLNG && frame.scb?.type === Scs.CHLNG) this.session = null;
    if (this.session || secureType) {
      const opened = this.session?.open(frame);
      if (!opened?.ok) {
        // A plaintext command, a bad MAC or a replay while secure: refuse and drop the session.
        this.session = null;
        this.reply(frame, raw, { code: Reply.NAK, data: Buffer.of(NakCode.secureChannelCondition) }, true);
        return;
      }
      ({ code, data } = opened);
    }
    this.received.push({ code, atMs: this.clock.now() });
    this.reply(frame, raw, this.answer(frame, code, data));
  }

  private answer(frame: DecodedFrame, code: number, data: Buffer): Outgoing {
    const ack = { code: Reply.ACK, data: Buffer.alloc(0) };
    const nak = (why: number) => ({ code: Reply.NAK, data: Buffer.of(why) });
    switch (code) {
      case Cmd.ID:
        if (!this.answersId) return nak(NakCode.unknownCommand);
        return { code: Reply.PDID, data: encodePdId(this.identity) };
      case Cmd.CAP:
        return { code: Reply.PDCAP, data: encodePdCap(this.capabilities()) };
      case Cmd.POLL:
        return this.nextEvent() ?? ack;
      case Cmd.LSTAT:
        this.statusReported = { tamper: this.tamper, powerFailure: this.powerFailure };
        return { code: Reply.LSTATR, data: encodeLocalStatus(this.statusReported) };
      case Cmd.LED: {
        const led = parseLed(data);
        if (!led) return nak(NakCode.badLength);
        this.led = led;
        return ack;
      }
      case Cmd.BUZ:
        this.buzzer = parseBuzzer(data) ?? this.buzzer;
        return ack;
      case Cmd.TEXT:
        this.text = parseText(data) ?? this.text;
        return ack;
      case Cmd.KEYSET: {
        const key = parseKeyset(data);
        if (!this.session) return nak(NakCode.secureChannelCondition);
        if (!key) return nak(NakCode.badLength);
        this.key = key;
        return ack;
      }
      case Cmd.CHLNG:
        return this.onChallenge(frame, data);
      case Cmd.SCRYPT:
        return this.onServerCryptogram(frame, data);
      default:
        return nak(NakCode.unknownCommand);
    }
  }

  private capabilities(): PdCapability[] {
    const caps: PdCapability[] = [
      { function: CapFunction.cardDataFormat, compliance: 1, count: 0 },
      { function: CapFunction.readerLed, compliance: 1, count: 1 },
      { function: CapFunction.readerAudible, compliance: 1, count: 1 },
      { function: CapFunction.readerText, compliance: 1, count: 1 },
      { function: CapFunction.checkCharacter, compliance: 1, count: 0 },
      { function: CapFunction.receiveBufferSize, compliance: 0x00, count: 0x02 },
    ];
    if (!this.noSecureChannel)
      caps.push({ function: CapFunction.communicationSecurity, compliance: 1, count: 1 });
    return caps;
  }

  private nextEvent(): Outgoing | null {
    if (
      this.tamper !== this.statusReported.tamper ||
      this.powerFailure !== this.statusReported.powerFailure
    ) {
      this.statusReported = { tamper: this.tamper, powerFailure: this.powerFailure };
      return { code: Reply.LSTATR, data: encodeLocalStatus(this.statusReported) };
    }
    return this.events.shift() ?? null;
  }

  private onChallenge(frame: DecodedFrame, cpRandom: Buffer): Outgoing {
    const nak = { code: Reply.NAK, data: Buffer.of(NakCode.secureChannelCondition) };
    if (this.plaintextOnly) return { code: Reply.ACK, data: Buffer.alloc(0) };
    if (this.noSecureChannel || frame.scb?.type !== Scs.CHLNG || cpRandom.length !== 8) return nak;
    const selector = frame.scb.data[0];
    // A factory-fresh reader only knows SCBK-D; an installed one refuses it (no way back to the default).
    const scbk = selector === KeySelector.scbk ? this.key : this.key === null ? SCBK_D : null;
    if (!scbk) return nak;
    const pdRandom = this.random(8);
    const keys = deriveSessionKeys(scbk, cpRandom);
    this.pendingHandshake = { keys, cpRandom: Buffer.from(cpRandom), pdRandom };
    const cuid = Buffer.from(
      `${this.identity.vendor}${this.identity.serial.toString(16).padStart(10, "0")}`,
      "hex",
    );
    return {
      code: Reply.CCRYPT,
      data: Buffer.concat([cuid.subarray(0, 8), pdRandom, clientCryptogram(keys, cpRandom, pdRandom)]),
      scb: { type: Scs.CCRYPT, data: Buffer.of(selector as number) },
    };
  }

  private onServerCryptogram(frame: DecodedFrame, cryptogram: Buffer): Outgoing {
    const hs = this.pendingHandshake;
    this.pendingHandshake = null;
    const nak = { code: Reply.NAK, data: Buffer.of(NakCode.secureChannelCondition) };
    if (!hs || frame.scb?.type !== Scs.SCRYPT) return nak;
    const expected = serverCryptogram(hs.keys, hs.cpRandom, hs.pdRandom);
    if (!sameBytes(expected, cryptogram)) return nak;
    const session = new SecureSession("pd", hs.keys, expected);
    const rmacI = initialRmac(hs.keys, expected);
    // The session starts after this reply, which itself travels in the clear with SCS_14.
    this.sessionAfterReply = session;
    return { code: Reply.RMAC_I, data: rmacI, scb: { type: Scs.RMAC_I, data: Buffer.of(0x01) } };
  }

  private reply(frame: DecodedFrame, raw: Buffer, out: Outgoing, plaintext = false): void {
    const fields = { address: this.address, reply: true, sequence: frame.sequence, crc: frame.crc };
    let bytes: Buffer;
    if (this.session && !plaintext && !this.plaintextOnly) {
      bytes = this.session.seal({ ...fields, code: out.code, data: out.data }, { mark: true });
      if (out.code === Reply.RAW) this.cardReplies.set(frame.sequence, bytes);
      if (this.wrongMacNext > 0) {
        this.wrongMacNext--;
        bytes = withBrokenMac(bytes);
      }
    } else {
      bytes = encodeFrame(
        { ...fields, scb: out.scb ?? null, code: out.code, data: out.data },
        { mark: true },
      );
    }
    // An attacker replaying an earlier card read picks one with the sequence number the CP expects.
    const replay = this.cardReplies.get(frame.sequence);
    if (this.replayNext && replay) {
      this.replayNext = false;
      bytes = replay;
    }
    if (this.sessionAfterReply) {
      this.session = this.sessionAfterReply;
      this.sessionAfterReply = null;
    }
    this.lastSequence = frame.sequence;
    this.lastCommand = Buffer.from(raw);
    this.lastReply = bytes;
    this.send(bytes);
  }

  private send(bytes: Buffer): void {
    let out = bytes;
    if (this.corruptCrcNext > 0) {
      this.corruptCrcNext--;
      out = Buffer.from(bytes);
      out[out.length - 1] = (out[out.length - 1] as number) ^ 0x5a;
    }
    const link = this.link;
    if (!link) return;
    const write = () => {
      this.writeChain = this.writeChain.then(() => link.write(out)).catch(() => {});
    };
    if (this.replyDelayMs > 0) this.clock.setTimeout(write, this.replyDelayMs);
    else write();
  }
}

/** Flips one MAC byte and recomputes the CRC: a forged packet that passes the link layer. */
function withBrokenMac(packet: Buffer): Buffer {
  const out = Buffer.from(packet);
  const start = out[0] === 0xff ? 1 : 0;
  out[out.length - 3] = (out[out.length - 3] as number) ^ 0x01;
  out.writeUInt16LE(crc16(out.subarray(start, out.length - 2)), out.length - 2);
  return out;
}

/** Several virtual readers on one RS-485 line, for SimSerialOpener.addDevice. */
export class VirtualOsdpLine {
  constructor(readonly pds: VirtualOsdpPd[]) {}

  attach(link: SerialLink): void {
    for (const pd of this.pds) pd.attach(link);
  }
}
