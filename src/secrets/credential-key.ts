import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { Settings } from "../config/schema.js";
import { loadOrCreateDeviceSecret } from "./device-secret.js";

/**
 * The key for credential hashes: the fleet's shared key when `secrets.credential_key_file` is
 * set (so a snapshot published by `doorward fleet publish` matches at every door), otherwise
 * this device's own secret. The shared file holds at least 32 bytes as hex, mode 0600.
 * The one place the key is chosen: the service and every CLI/web writer (PINs, duress PINs,
 * badges) build their CredentialHasher from it, or a credential set by one never matches at the door.
 */
export function loadCredentialKey(settings: Settings): Buffer {
  const file = settings.secrets.credential_key_file;
  if (!file) return loadOrCreateDeviceSecret(join(settings.data_dir, "secret.key"));
  const key = Buffer.from(readFileSync(file, "utf8").trim(), "hex");
  if (key.length < 32)
    throw new Error(`secrets.credential_key_file ${file}: expected at least 32 bytes as hex`);
  return key;
}
