import { createHmac } from "node:crypto";
import { CODE_ALPHABET } from "../secrets/credential-hasher.js";
import type { AuditRecord } from "./audit-log.js";

/** detail keys that name an admin account: who made a change, and which web account it was about. */
export const IDENTITY_KEYS = ["by", "admin"] as const;
/** `os:root`, `web:ada`: a channel and a person's account name. `mqtt`, `web`, `default` name no one. */
const ACCOUNT = /^(os|web):(.+)$/;
/** `web:a-7K3M9Q`: an admin code. Web account names are lowercase, so none looks like one. */
const CODE = /^(os|web):a-[0-9A-Z]{6}$/;

export const isAdminCode = (identity: string): boolean => CODE.test(identity);

/**
 * The rule for identities in events that leave the device (README, "Identities that leave the
 * device"): people appear as their user code, and admins, who are people too, as a stable admin
 * code in place of their account name: `web:ada` becomes `web:a-7K3M9Q`. Rows store the code
 * itself (AdminCodeBook), so MQTT `P/event`, which carries rows exactly as hashed, names no admin.
 * Rows written before that still hold the account name in the chain: exports (`log export`, `log
 * tail`, the page's download) replace it here with the same code; MQTT cannot without breaking the
 * hub's hash check. The code is an HMAC of the account with the credential key, so it cannot be
 * reversed by trying likely names without that key.
 */
export class ActorCodes {
  constructor(private readonly deviceSecret: Buffer) {}

  code(identity: string): string {
    const m = ACCOUNT.exec(identity);
    if (!m || CODE.test(identity)) return identity;
    const mac = createHmac("sha256", this.deviceSecret).update(`admin\0${identity}`).digest();
    let code = "";
    for (let i = 0; i < 6; i++) code += CODE_ALPHABET[(mac[i] as number) % CODE_ALPHABET.length];
    return `${m[1]}:a-${code}`;
  }

  detail(detail: Record<string, unknown> | null): Record<string, unknown> | null {
    if (!detail) return detail;
    let out = detail;
    for (const key of IDENTITY_KEYS) {
      const value = detail[key];
      if (typeof value === "string" && ACCOUNT.test(value)) out = { ...out, [key]: this.code(value) };
    }
    return out;
  }

  record(r: AuditRecord): AuditRecord {
    const detail = this.detail(r.detail);
    return detail === r.detail ? r : { ...r, detail };
  }
}
