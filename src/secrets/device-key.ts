import { createPublicKey, generateKeyPairSync, type KeyObject } from "node:crypto";
import { closeSync, existsSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { loadPrivateKey } from "../mqtt/signed-envelope.js";
import { StoreError } from "../store/user-store.js";

/** The device's Ed25519 key: it signs the chain head (docs/mqtt.md `P/head`, `doorward log head`). */
export function deviceKeyPath(dataDir: string): string {
  return join(dataDir, "device.key");
}

/** At start: the key, created (PKCS#8 PEM, 0600) next to secret.key the first time. */
export function loadOrCreateDeviceKey(dataDir: string): KeyObject {
  const path = deviceKeyPath(dataDir);
  if (!existsSync(path)) {
    const { privateKey } = generateKeyPairSync("ed25519");
    try {
      // O_EXCL: a second process creating it at the same moment fails here instead of overwriting.
      const fd = openSync(path, "wx", 0o600);
      try {
        writeSync(fd, privateKey.export({ type: "pkcs8", format: "pem" }).toString());
      } finally {
        closeSync(fd);
      }
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
  }
  return loadPrivateKey(readFileSync(path, "utf8"));
}

/** For the CLI: only `start` creates the key, so a missing one says where it looked. */
export function loadDeviceKey(dataDir: string): KeyObject {
  const path = deviceKeyPath(dataDir);
  if (!existsSync(path))
    throw new StoreError(`no device key at ${path}; \`doorward start\` creates it at first start`);
  return loadPrivateKey(readFileSync(path, "utf8"));
}

export function publicKeyPem(privateKey: KeyObject): string {
  return createPublicKey(privateKey).export({ type: "spki", format: "pem" }).toString();
}
