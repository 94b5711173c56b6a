import type { KeyObject } from "node:crypto";
import { z } from "zod";
import type { Db } from "../store/open-database.js";
import { verifyEnvelope } from "./signed-envelope.js";

/** Why a remote command was refused; each becomes the audit row's reason. */
export type CommandRejection =
  | "retained"
  | "malformed"
  | "unsigned"
  | "bad_signature"
  | "wrong_door"
  | "stale"
  | "replayed"
  | "remote_control_disabled";

const target = z.union([
  z.object({ door: z.string().min(1) }).strict(),
  z.object({ group: z.string().min(1) }).strict(),
]);

/** The signed body of a remote command. `ts_ms` is the admin's clock; `nonce` is unique per command. */
export const commandBodySchema = z
  .object({
    type: z.literal("command"),
    action: z.enum(["unlock", "lock", "lockdown"]),
    value: z.enum(["on", "off"]).optional(),
    target,
    ts_ms: z.number().int().nonnegative(),
    nonce: z.string().regex(/^[A-Za-z0-9_-]{16,64}$/),
  })
  .strict()
  .refine(
    (b) => (b.action === "lockdown") === (b.value !== undefined),
    "lockdown takes value on|off; others take none",
  );

export type CommandBody = z.infer<typeof commandBodySchema>;

export type GateResult =
  | { ok: true; command: CommandBody }
  | { ok: false; reason: CommandRejection; action?: string };

export interface CommandGateOptions {
  doorId: string;
  group: string | null;
  publicKey: KeyObject | null;
  windowMs: number;
  remoteControl: boolean;
}

/**
 * Decides whether a message on a command topic may act. Checks, in order: not retained, a
 * verifiable signature, a well-formed body, addressed here, fresh, never seen before. Only an
 * accepted command's nonce is stored (inside the window; older ones fail as stale), so a
 * rejected message cannot burn a nonce for the real one.
 */
export class CommandGate {
  constructor(
    private readonly db: Db,
    private readonly opts: CommandGateOptions,
  ) {}

  /** `doors`: the doors the topic it came on speaks for (default: the configured door). */
  check(
    payload: Buffer,
    retained: boolean,
    nowMs: number,
    doors: readonly string[] = [this.opts.doorId],
  ): GateResult {
    if (retained) return { ok: false, reason: "retained" };
    const verified = verifyEnvelope(payload, this.opts.publicKey);
    if (!verified.ok) return { ok: false, reason: verified.reason };
    const parsed = commandBodySchema.safeParse(verified.body);
    if (!parsed.success) return { ok: false, reason: "malformed" };
    const command = parsed.data;
    const t = command.target;
    const addressedHere =
      "door" in t ? doors.includes(t.door) : this.opts.group !== null && t.group === this.opts.group;
    if (!addressedHere) return { ok: false, reason: "wrong_door", action: command.action };
    if (Math.abs(nowMs - command.ts_ms) > this.opts.windowMs)
      return { ok: false, reason: "stale", action: command.action };
    if (!this.opts.remoteControl)
      return { ok: false, reason: "remote_control_disabled", action: command.action };
    if (!this.rememberNonce(command.nonce, nowMs))
      return { ok: false, reason: "replayed", action: command.action };
    return { ok: true, command };
  }

  /** True if the nonce was new. Persisted, so a replay after a restart is still caught. */
  private rememberNonce(nonce: string, nowMs: number): boolean {
    return this.db
      .transaction(() => {
        this.db
          .prepare("DELETE FROM mqtt_command_nonces WHERE ts_ms < ?")
          .run(nowMs - 2 * this.opts.windowMs);
        return (
          this.db
            .prepare("INSERT OR IGNORE INTO mqtt_command_nonces (nonce, ts_ms) VALUES (?, ?)")
            .run(nonce, nowMs).changes === 1
        );
      })
      .immediate();
  }
}
