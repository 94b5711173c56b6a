import { inspect } from "node:util";
import { KeySelector } from "./constants.js";
import {
  clientCryptogram,
  deriveSessionKeys,
  initialRmac,
  SCBK_D,
  SecretKey,
  type SessionKeys,
  sameBytes,
  serverCryptogram,
} from "./secure-channel.js";
import { SecureSession } from "./secure-session.js";

export type HandshakeFailure = "bad_ccrypt" | "wrong_key" | "bad_rmac_i" | "out_of_order";

/**
 * The CP's side of the Secure Channel handshake:
 *   osdp_CHLNG (RND.A) -> osdp_CCRYPT (cUID, RND.B, client cryptogram): the PD proves the key;
 *   osdp_SCRYPT (server cryptogram) -> osdp_RMAC_I (R-MAC-I): the PD accepted ours; the session starts.
 * `key` null means the default key SCBK-D, used only in install mode.
 */
export class CpHandshake {
  readonly cpRandom: Buffer;
  private keys: SessionKeys | null = null;

  [inspect.custom](): string {
    return "CpHandshake([redacted])";
  }
  private serverCrypt: Buffer | null = null;

  /** What to send in osdp_SCRYPT, once osdp_CCRYPT has been accepted. */
  get serverCryptogram(): Buffer | null {
    return this.serverCrypt;
  }
  /** Kept wrapped so that logging this object cannot print the key. */
  private readonly scbk: SecretKey;

  constructor(key: SecretKey | null, random: (n: number) => Buffer) {
    this.scbk = key ?? new SecretKey(SCBK_D);
    this.keySelector = key ? KeySelector.scbk : KeySelector.scbkD;
    this.cpRandom = random(8);
  }

  /** The SCB data byte of SCS_11 and SCS_13. */
  readonly keySelector: number;

  /** Checks osdp_CCRYPT; returns the server cryptogram to send in osdp_SCRYPT, or why not. */
  onClientCryptogram(
    data: Buffer,
  ): { ok: true; serverCryptogram: Buffer } | { ok: false; why: HandshakeFailure } {
    if (data.length !== 32) return { ok: false, why: "bad_ccrypt" };
    const pdRandom = data.subarray(8, 16);
    const keys = deriveSessionKeys(this.scbk.reveal(), this.cpRandom);
    if (!sameBytes(clientCryptogram(keys, this.cpRandom, pdRandom), data.subarray(16, 32)))
      return { ok: false, why: "wrong_key" };
    this.keys = keys;
    this.serverCrypt = serverCryptogram(keys, this.cpRandom, pdRandom);
    return { ok: true, serverCryptogram: this.serverCrypt };
  }

  /** Checks osdp_RMAC_I; returns the established session, or why not. */
  onInitialRmac(data: Buffer): { ok: true; session: SecureSession } | { ok: false; why: HandshakeFailure } {
    if (!this.keys || !this.serverCrypt) return { ok: false, why: "out_of_order" };
    if (data.length !== 16 || !sameBytes(initialRmac(this.keys, this.serverCrypt), data))
      return { ok: false, why: "bad_rmac_i" };
    return { ok: true, session: new SecureSession("cp", this.keys, this.serverCrypt) };
  }
}
