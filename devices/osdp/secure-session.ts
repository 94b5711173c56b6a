import { inspect } from "node:util";
import { Scs } from "./constants.js";
import { type DecodedFrame, encodeFrame } from "./packet-codec.js";
import {
  computeMac,
  decryptData,
  encryptData,
  initialRmac,
  type SessionKeys,
  sameBytes,
} from "./secure-channel.js";

export type SessionRole = "cp" | "pd";

export interface SecureMessage {
  address: number;
  sequence: number;
  code: number;
  data: Buffer;
}

export type OpenResult =
  | { ok: true; code: number; data: Buffer }
  | { ok: false; why: "plaintext" | "wrong_type" | "bad_mac" | "bad_padding" | "clear_data" };

/**
 * An established Secure Channel session for one CP–PD pair: the session keys and the two MAC
 * chains. C-MAC is the last command MAC (IV of the next reply), R-MAC the last reply MAC (IV of the
 * next command), starting from R-MAC-I. A message that fails verification changes no state, so a
 * forged or replayed packet cannot desynchronise the chain; the caller tears the session down.
 */
export class SecureSession {
  private rmac: Buffer;
  private cmac: Buffer;

  /** Session keys are as secret as the SCBK: never in a log line. */
  [inspect.custom](): string {
    return `SecureSession(${this.role}, [redacted])`;
  }

  toJSON(): string {
    return "[redacted]";
  }

  constructor(
    readonly role: SessionRole,
    private readonly keys: SessionKeys,
    serverCryptogram: Buffer,
  ) {
    this.rmac = initialRmac(keys, serverCryptogram);
    this.cmac = Buffer.alloc(16);
  }

  /** Encodes one outgoing message: SCS_17/18 when it carries data (encrypted), else SCS_15/16. */
  seal(msg: SecureMessage, opts: { mark?: boolean } = {}): Buffer {
    const cp = this.role === "cp";
    const iv = cp ? this.rmac : this.cmac;
    const encrypted = msg.data.length > 0;
    const type = cp
      ? encrypted
        ? Scs.CMD_MAC_ENC
        : Scs.CMD_MAC
      : encrypted
        ? Scs.REPLY_MAC_ENC
        : Scs.REPLY_MAC;
    let full: Buffer = Buffer.alloc(0);
    const packet = encodeFrame(
      {
        address: msg.address,
        reply: !cp,
        sequence: msg.sequence,
        crc: true,
        scb: { type, data: Buffer.alloc(0) },
        code: msg.code,
        data: encrypted ? encryptData(this.keys, iv, msg.data) : Buffer.alloc(0),
      },
      {
        mark: opts.mark,
        mac: (input) => {
          full = computeMac(this.keys, iv, input);
          return full;
        },
      },
    );
    if (cp) this.cmac = full;
    else this.rmac = full;
    return packet;
  }

  /** Verifies and decrypts one incoming message; state advances only when it is genuine. */
  open(frame: DecodedFrame): OpenResult {
    const cp = this.role === "cp";
    if (!frame.scb || !frame.mac) return { ok: false, why: "plaintext" };
    const [clear, enc] = cp ? [Scs.REPLY_MAC, Scs.REPLY_MAC_ENC] : [Scs.CMD_MAC, Scs.CMD_MAC_ENC];
    if (frame.scb.type !== clear && frame.scb.type !== enc) return { ok: false, why: "wrong_type" };
    const iv = cp ? this.cmac : this.rmac;
    const full = computeMac(this.keys, iv, frame.macInput);
    if (!sameBytes(full.subarray(0, frame.mac.length), frame.mac) || frame.mac.length !== 4)
      return { ok: false, why: "bad_mac" };
    let data: Buffer;
    if (frame.scb.type === enc) {
      const plain = decryptData(this.keys, iv, frame.data);
      if (!plain) return { ok: false, why: "bad_padding" };
      data = plain;
    } else {
      // Data under SCS_15/16 travels in clear; doorward's CP and virtual PD never send it, and a
      // peer that does is refused so card numbers cannot be moved out of the encrypted channel.
      if (frame.data.length > 0) return { ok: false, why: "clear_data" };
      data = frame.data;
    }
    if (cp) this.rmac = full;
    else this.cmac = full;
    return { ok: true, code: frame.code, data };
  }
}
