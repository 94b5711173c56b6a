import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
  sign,
  verify,
} from "node:crypto";
import { readFileSync } from "node:fs";

/**
 * The wire form of every admin-signed message (commands, allowlist snapshots and deltas):
 *
 *   {"body": "<the message as a JSON string>", "sig": "<base64 Ed25519 signature of body's UTF-8 bytes>"}
 *
 * Signing the exact body string (not a re-serialised object) means no canonical-JSON rules:
 * the verifier checks the bytes it received, then parses them.
 */
export interface SignedEnvelope {
  body: string;
  sig: string;
}

export type VerifyOutcome =
  | { ok: true; body: unknown }
  | { ok: false; reason: "malformed" | "unsigned" | "bad_signature" };

export function generateAdminKeyPair(): { privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    privatePem: privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    publicPem: publicKey.export({ type: "spki", format: "pem" }).toString(),
  };
}

/** A PEM given inline, or a path to a PEM file. */
function pemText(pemOrPath: string): string {
  return pemOrPath.includes("-----BEGIN") ? pemOrPath : readFileSync(pemOrPath, "utf8");
}

export function loadPublicKey(pemOrPath: string): KeyObject {
  const key = createPublicKey(pemText(pemOrPath));
  if (key.asymmetricKeyType !== "ed25519") throw new Error("admin public key is not an Ed25519 key");
  return key;
}

export function loadPrivateKey(pemOrPath: string): KeyObject {
  const key = createPrivateKey(pemText(pemOrPath));
  if (key.asymmetricKeyType !== "ed25519") throw new Error("admin private key is not an Ed25519 key");
  return key;
}

export function signMessage(message: object, privateKey: KeyObject): string {
  const body = JSON.stringify(message);
  const sig = sign(null, Buffer.from(body, "utf8"), privateKey).toString("base64");
  return JSON.stringify({ body, sig } satisfies SignedEnvelope);
}

/** Never throws: whatever arrives on a topic is classified. */
export function verifyEnvelope(raw: Buffer | string, publicKey: KeyObject | null): VerifyOutcome {
  let parsed: unknown;
  try {
    parsed = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed))
    return { ok: false, reason: "malformed" };
  const { body, sig } = parsed as Partial<Record<string, unknown>>;
  if (typeof body !== "string") return { ok: false, reason: body === undefined ? "unsigned" : "malformed" };
  if (sig === undefined || sig === null || sig === "") return { ok: false, reason: "unsigned" };
  if (typeof sig !== "string" || !/^[A-Za-z0-9+/]+={0,2}$/.test(sig))
    return { ok: false, reason: "bad_signature" };
  const sigBytes = Buffer.from(sig, "base64");
  if (!publicKey || sigBytes.length !== 64) return { ok: false, reason: "bad_signature" };
  let valid = false;
  try {
    valid = verify(null, Buffer.from(body, "utf8"), publicKey, sigBytes);
  } catch {
    valid = false;
  }
  if (!valid) return { ok: false, reason: "bad_signature" };
  try {
    return { ok: true, body: JSON.parse(body) };
  } catch {
    return { ok: false, reason: "malformed" };
  }
}
