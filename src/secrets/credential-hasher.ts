import { createHmac, randomInt } from "node:crypto";

/**
 * Keyed hashes for secrets typed or presented at the door. HMAC-SHA256 with the device secret,
 * domain-separated per credential kind, so the store can look a credential up by its hash
 * (one indexed read with 100,000 users) without ever holding the clear value.
 */
export class CredentialHasher {
  constructor(private readonly deviceSecret: Buffer) {}

  hash(kind: "pin" | "badge", value: string): string {
    return createHmac("sha256", this.deviceSecret).update(`${kind}\0${value}`).digest("hex");
  }
}

export const CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"; // no 0/O, 1/I/L, U: read aloud without confusion

/** A random pseudonymous user code such as `u-7K3M9Q`, used wherever a name must not travel. */
export function newUserCode(): string {
  let code = "";
  for (let i = 0; i < 6; i++) code += CODE_ALPHABET[randomInt(CODE_ALPHABET.length)];
  return `u-${code}`;
}
