/**
 * OSDP Secure Channel primitives (SIA OSDP 2.2, Annex D), all AES-128 from node:crypto:
 *   S-ENC  = AES(SCBK, 01 82 RND.A[0..5] 00*8)      S-MAC1 = AES(SCBK, 01 01 RND.A[0..5] 00*8)
 *   S-MAC2 = AES(SCBK, 01 02 RND.A[0..5] 00*8)
 *   client cryptogram (PD) = AES(S-ENC, RND.A || RND.B)   server cryptogram (CP) = AES(S-ENC, RND.B || RND.A)
 *   R-MAC-I = AES(S-MAC2, AES(S-MAC1, server cryptogram))
 * RND.A is the CP's random (sent in osdp_CHLNG), RND.B the PD's (returned in osdp_CCRYPT).
 * MAC: CBC-MAC over the packet with IV = the last MAC of the other direction; every block but the
 * last under S-MAC1, the last under S-MAC2; a partial last block is padded 80 00..; 4 bytes are sent.
 * Data: AES-CBC under S-ENC with IV = the bitwise NOT of that same last MAC, always padded 80 00...
 */
import { createCipheriv, createDecipheriv, timingSafeEqual } from "node:crypto";
import { inspect } from "node:util";

export const BLOCK = 16;
/** The default key SCBK-D (install mode only): 30 31 .. 3F. */
export const SCBK_D: Buffer = Buffer.from("303132333435363738393a3b3c3d3e3f", "hex");

/**
 * A 16-byte key that never prints: JSON, util.inspect and template strings all show "[redacted]",
 * so a key cannot reach a log line, an export or an MQTT payload by accident.
 */
export class SecretKey {
  readonly #bytes: Buffer;

  constructor(bytes: Uint8Array) {
    if (bytes.length !== BLOCK) throw new RangeError(`an OSDP key is 16 bytes, not ${bytes.length}`);
    this.#bytes = Buffer.from(bytes);
  }

  static fromHex(hex: string): SecretKey {
    if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError("an OSDP key is 32 hex digits");
    return new SecretKey(Buffer.from(hex, "hex"));
  }

  /** A copy of the key bytes, for the crypto and for storing with the device secrets. */
  reveal(): Buffer {
    return Buffer.from(this.#bytes);
  }

  equals(other: SecretKey): boolean {
    return timingSafeEqual(this.#bytes, other.#bytes);
  }

  toJSON(): string {
    return "[redacted]";
  }

  toString(): string {
    return "[redacted]";
  }

  [inspect.custom](): string {
    return "SecretKey([redacted])";
  }
}

export interface SessionKeys {
  enc: Buffer;
  mac1: Buffer;
  mac2: Buffer;
}

/** One AES-128 block, ECB (the spec's "AES" with no chaining). */
export function aesBlock(key: Buffer, block: Buffer): Buffer {
  const cipher = createCipheriv("aes-128-ecb", key, null).setAutoPadding(false);
  return Buffer.concat([cipher.update(block), cipher.final()]);
}

function aesCbc(key: Buffer, iv: Buffer, data: Buffer, decrypt: boolean): Buffer {
  const c = decrypt ? createDecipheriv("aes-128-cbc", key, iv) : createCipheriv("aes-128-cbc", key, iv);
  c.setAutoPadding(false);
  return Buffer.concat([c.update(data), c.final()]);
}

function not(bytes: Buffer): Buffer {
  return Buffer.from(bytes.map((b) => ~b & 0xff));
}

function xor(a: Buffer, b: Buffer): Buffer {
  return Buffer.from(a.map((v, i) => v ^ (b[i] as number)));
}

/** Pads with 80 00.. to whole blocks; `always` adds a full block when already aligned (data encryption). */
export function padEom(data: Buffer, always: boolean): Buffer {
  if (!always && data.length > 0 && data.length % BLOCK === 0) return data;
  const total = Math.ceil((data.length + 1) / BLOCK) * BLOCK;
  const out = Buffer.alloc(total);
  data.copy(out);
  out[data.length] = 0x80;
  return out;
}

export function deriveSessionKeys(scbk: Buffer, cpRandom: Buffer): SessionKeys {
  if (cpRandom.length !== 8) throw new RangeError("RND.A is 8 bytes");
  const derive = (tag: number) => {
    const block = Buffer.alloc(BLOCK);
    block[0] = 0x01;
    block[1] = tag;
    cpRandom.copy(block, 2, 0, 6);
    return aesBlock(scbk, block);
  };
  return { enc: derive(0x82), mac1: derive(0x01), mac2: derive(0x02) };
}

/** The PD's proof of the key, returned in osdp_CCRYPT. */
export function clientCryptogram(keys: SessionKeys, cpRandom: Buffer, pdRandom: Buffer): Buffer {
  return aesBlock(keys.enc, Buffer.concat([cpRandom, pdRandom]));
}

/** The CP's proof of the key, sent in osdp_SCRYPT. */
export function serverCryptogram(keys: SessionKeys, cpRandom: Buffer, pdRandom: Buffer): Buffer {
  return aesBlock(keys.enc, Buffer.concat([pdRandom, cpRandom]));
}

export function initialRmac(keys: SessionKeys, serverCrypt: Buffer): Buffer {
  return aesBlock(keys.mac2, aesBlock(keys.mac1, serverCrypt));
}

/** The full 16-byte MAC of `message` chained from `iv` (the last MAC of the other direction). */
export function computeMac(keys: SessionKeys, iv: Buffer, message: Buffer): Buffer {
  const padded = padEom(message, false);
  let chain = iv;
  for (let at = 0; at < padded.length; at += BLOCK) {
    const last = at + BLOCK === padded.length;
    chain = aesBlock(last ? keys.mac2 : keys.mac1, xor(padded.subarray(at, at + BLOCK), chain));
  }
  return chain;
}

export function encryptData(keys: SessionKeys, lastMac: Buffer, plain: Buffer): Buffer {
  return aesCbc(keys.enc, not(lastMac), padEom(plain, true), false);
}

/** Plaintext, or null when the length is not whole blocks or the 80 00.. padding is wrong. */
export function decryptData(keys: SessionKeys, lastMac: Buffer, cipher: Buffer): Buffer | null {
  if (cipher.length === 0 || cipher.length % BLOCK !== 0) return null;
  const plain = aesCbc(keys.enc, not(lastMac), cipher, true);
  let end = plain.length - 1;
  while (end > 0 && plain[end] === 0) end--;
  if (plain[end] !== 0x80 || plain.length - end > BLOCK) return null;
  return plain.subarray(0, end);
}

export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}
