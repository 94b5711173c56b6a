import { createHmac, timingSafeEqual } from "node:crypto";
import type { Clock } from "../../devices/types.js";
import { PersistedLockout } from "../access/persisted-lockout.js";
import { RemoteUnlockRefused } from "../access/release-requests.js";
import type { AuditEntry } from "../audit/audit-log.js";
import type { Settings } from "../config/schema.js";
import { DoorCommandRefused, type DoorCommands } from "../door/door-commands.js";
import type { Logger } from "../logger.js";
import { KeyValueStore } from "../store/key-value-store.js";
import type { Db } from "../store/open-database.js";
import { type AllowlistApplier, deltaSchema, snapshotSchema } from "./allowlist-sync.js";
import { CommandGate } from "./command-gate.js";
import { loadPublicKey, verifyEnvelope } from "./signed-envelope.js";
import type { MqttTopics } from "./topics.js";

/** The door-command path remote requests take: the same rules and rows as the page and the CLI. */
export type RemoteCommands = Pick<DoorCommands, "unlockOnce" | "lock" | "setMode">;

export interface InboundDeps {
  settings: Settings;
  db: Db;
  topics: MqttTopics;
  /** Every door's topics (a several-door controller); absent = the one door of `topics`. */
  doorTopics?: ReadonlyMap<string, MqttTopics>;
  allowlist: AllowlistApplier;
  credentialKey: Buffer;
  clock: Clock;
  log: Logger;
  record(entry: AuditEntry): void;
  /** Runs a change with the rows it appends (appendOrThrow) as one transaction: both or neither. */
  atomically<T>(change: () => T): T;
  appendOrThrow(entry: AuditEntry): void;
  commands: RemoteCommands;
  publishState(): void;
  refetchSnapshot(): void;
  /** Asks the fleet (admin tool) for the snapshot explicitly, in case no retained one is there. */
  requestResync(haveVersion: number): void;
  publishDiscovery(): void;
}

const REJECTIONS_PER_MINUTE = 30;
const HA_LOCKOUT_KEY = "lockout:ha_code";

/** The Home Assistant unlock code as stored in `mqtt.ha_unlock_code_hash` (see docs/mqtt.md). */
export function haCodeHash(credentialKey: Buffer, code: string): string {
  return createHmac("sha256", credentialKey).update(`ha_code\0${code}`).digest("hex");
}

/**
 * Everything that arrives from the broker. Each refusal is an audit row with its reason and
 * changes nothing else; nothing here throws back into the MQTT client.
 */
export class InboundHandler {
  private readonly gate: CommandGate;
  private rejectWindowStartMs = Number.NEGATIVE_INFINITY;
  private rejectsInWindow = 0;
  private suppressed = 0;
  private readonly publicKey;
  /**
   * Wrong Home Assistant codes back off like wrong PINs (same lockout settings), but on their own
   * count: someone guessing over MQTT must not be able to lock people out of the keypad, and the
   * count survives a restart so rebooting the door does not reset the guessing budget.
   */
  private readonly haLockout: PersistedLockout;

  constructor(private readonly deps: InboundDeps) {
    const m = deps.settings.mqtt;
    let key = null;
    try {
      key = m.admin_public_key ? loadPublicKey(m.admin_public_key) : null;
    } catch (err) {
      deps.log.error(
        { err: (err as Error).message },
        "admin public key unusable; every signed message will be refused",
      );
    }
    this.publicKey = key;
    const lo = deps.settings.lockout;
    this.haLockout = new PersistedLockout(
      new KeyValueStore(deps.db),
      { maxFailures: lo.max_failures, baseMs: lo.base_s * 1000, maxMs: lo.max_s * 1000 },
      (context, err) => deps.log.error({ err, context }, "could not persist the HA code lockout"),
      HA_LOCKOUT_KEY,
    );
    this.haLockout.load();
    this.gate = new CommandGate(deps.db, {
      doorId: deps.settings.door_id,
      group: m.group,
      publicKey: key,
      windowMs: m.command_window_s * 1000,
      remoteControl: m.remote_control,
    });
  }

  /**
   * Whether the retain flag of a command can be trusted: true on MQTT 5 with retain-as-published.
   * On a 3.1.1 broker a retained command reaching a subscribed door looks live, so every
   * command is then refused (`retain_unverifiable`).
   */
  retainVisible = true;

  /** The door whose command topic (or HA lock topic) this is, or null. */
  private doorOf(topic: string, which: "command" | "haLockSet"): string | null {
    for (const [door, t] of this.deps.doorTopics ?? []) if (t[which] === topic) return door;
    return null;
  }

  handle(topic: string, payload: Buffer, retained: boolean): void {
    const t = this.deps.topics;
    const doorCommand = this.doorOf(topic, "command");
    const doorHa = this.doorOf(topic, "haLockSet");
    const commandTopic =
      topic === t.command ||
      topic === t.groupCommand ||
      topic === t.haLockSet ||
      doorCommand !== null ||
      doorHa !== null;
    if (commandTopic && payload.length === 0) {
      // `mosquitto_pub -r -n`: someone clearing a retained message. Housekeeping, not an attempt.
      this.deps.log.debug({ topic, retained }, "empty message on a command topic ignored");
      return;
    }
    if (commandTopic && !this.retainVisible) {
      this.reject("retain_unverifiable", { topic });
      return;
    }
    if (doorCommand !== null) this.command(payload, retained, topic, [doorCommand]);
    else if (doorHa !== null) this.haCommand(payload, retained, doorHa, topic);
    else if (topic === t.command) this.command(payload, retained, topic, [this.deps.settings.door_id]);
    else if (topic === t.groupCommand) this.command(payload, retained, topic, this.allDoors());
    else if (topic === t.haLockSet) this.haCommand(payload, retained, this.deps.settings.door_id, topic);
    else if (topic === t.haStatus) {
      if (payload.toString().trim() === "online") this.deps.publishDiscovery();
    } else if (topic === t.allowlistSnapshot) this.allowlistMessage("snapshot", payload);
    else if (topic === t.allowlistDelta) this.allowlistMessage("delta", payload);
  }

  private allDoors(): string[] {
    return this.deps.doorTopics ? [...this.deps.doorTopics.keys()] : [this.deps.settings.door_id];
  }

  /** `doors`: the doors this topic speaks for (its door, or every door for the group's topic). */
  private command(payload: Buffer, retained: boolean, topic: string, doors: string[]): void {
    const result = this.gate.check(payload, retained, this.deps.clock.now(), doors);
    if (!result.ok) {
      this.reject(result.reason, { topic, ...(result.action ? { action: result.action } : {}) });
      return;
    }
    const c = result.command;
    const actor = { by: "mqtt", detail: { via: "mqtt", signed: true, nonce: c.nonce } };
    const { commands } = this.deps;
    // A command for one door acts there; a group's command on every door of this controller.
    const targets = "door" in c.target ? [c.target.door] : doors;
    for (const door of targets)
      this.run(c.action, async () => {
        switch (c.action) {
          case "unlock":
            await commands.unlockOnce(door, actor);
            return;
          case "lock":
            return commands.lock(door, actor);
          case "lockdown":
            await commands.setMode(door, { mode: "lockdown", on: c.value === "on" }, actor);
        }
      });
  }

  private haCommand(payload: Buffer, retained: boolean, door: string, topic: string): void {
    if (retained) {
      this.reject("retained", { topic });
      return;
    }
    let action: unknown;
    let code: unknown;
    const text = payload.toString("utf8").trim();
    try {
      const parsed = text.startsWith("{") ? (JSON.parse(text) as Record<string, unknown>) : { action: text };
      action = parsed.action;
      code = parsed.code;
    } catch {
      this.reject("malformed", { topic });
      return;
    }
    if (action !== "LOCK" && action !== "UNLOCK" && action !== "OPEN") {
      this.reject("malformed", { topic });
      return;
    }
    if (!this.deps.settings.mqtt.remote_control) {
      this.reject("remote_control_disabled", { topic, action });
      return;
    }
    const actor = { by: "home_assistant", detail: { via: "home_assistant", action } };
    if (action === "LOCK") {
      this.run("lock", () => this.deps.commands.lock(door, actor));
      return;
    }
    if (!this.deps.settings.mqtt.ha_unlock_code_hash) {
      this.reject("ha_code_not_configured", { topic, action });
      return;
    }
    const now = this.deps.clock.now();
    // While locked out the code is not even compared: a guess then tells the guesser nothing.
    const lockout = this.haLockout.status(now);
    if (lockout.lockedOut) {
      this.reject("ha_code_locked_out", { topic, action, until_ms: lockout.untilMs });
      return;
    }
    if (!this.codeMatches(code)) {
      this.reject("bad_code", { topic, action });
      const started = this.haLockout.failed(now);
      if (started) {
        this.deps.log.warn({ lockout_s: started.lockedForMs / 1000 }, "Home Assistant code locked out");
        this.deps.record({
          kind: "access",
          reason: "lockout_started",
          credential: "remote",
          outcome: "denied",
          detail: {
            via: "home_assistant",
            lockout_s: started.lockedForMs / 1000,
            lockout_number: started.lockoutNumber,
          },
        });
      }
      return;
    }
    this.haLockout.succeeded();
    this.run("unlock", async () => void (await this.deps.commands.unlockOnce(door, actor)));
  }

  private codeMatches(code: unknown): boolean {
    const expected = this.deps.settings.mqtt.ha_unlock_code_hash;
    if (!expected || typeof code !== "string" || code.length === 0 || code.length > 64) return false;
    const given = Buffer.from(haCodeHash(this.deps.credentialKey, code), "hex");
    return timingSafeEqual(given, Buffer.from(expected, "hex"));
  }

  private allowlistMessage(kind: "snapshot" | "delta", payload: Buffer): void {
    const now = this.deps.clock.now();
    const verified = verifyEnvelope(payload, this.publicKey);
    if (!verified.ok) {
      this.allowlistRejected(kind, verified.reason);
      return;
    }
    const parsed =
      kind === "snapshot" ? snapshotSchema.safeParse(verified.body) : deltaSchema.safeParse(verified.body);
    if (!parsed.success) {
      this.allowlistRejected(kind, "malformed");
      return;
    }
    const body = parsed.data;
    const have = this.deps.allowlist.version();
    // The new allowlist and its `allowlist_applied` row commit together, or neither does.
    const result = this.deps.atomically(() => {
      const r =
        body.type === "allowlist_snapshot"
          ? this.deps.allowlist.applySnapshot(body, now)
          : this.deps.allowlist.applyDelta(body, now);
      if (r.applied)
        this.deps.appendOrThrow({
          kind: "system",
          reason: "allowlist_applied",
          detail: { via: kind, version: r.version, group: body.group },
        });
      return r;
    });
    if (result.applied) {
      this.deps.publishState();
      return;
    }
    if (result.reason === "old_version") {
      // The retained snapshot comes back on every reconnect at the version the door has: normal.
      // An older one is not: a validly signed but superseded allowlist (someone replaying it to
      // bring back revoked people, or a misconfigured admin tool) is an audit event.
      if (body.version === have)
        this.deps.log.debug({ kind, version: body.version }, "allowlist already applied");
      else {
        this.deps.log.warn({ kind, version: body.version, have }, "older allowlist refused");
        this.deps.record({
          kind: "system",
          reason: "allowlist_outdated",
          detail: { via: kind, version: body.version, have, group: body.group },
        });
      }
      return;
    }
    if (result.reason === "version_gap") {
      this.deps.record({
        kind: "system",
        reason: "allowlist_gap",
        detail: { version: body.version, have: this.deps.allowlist.version() },
      });
      this.deps.refetchSnapshot();
      this.deps.requestResync(this.deps.allowlist.version());
      return;
    }
    this.allowlistRejected(kind, result.reason, result.detail);
  }

  private allowlistRejected(kind: string, why: string, problem?: string): void {
    this.deps.log.warn({ kind, why, problem }, "allowlist update refused");
    this.deps.record({
      kind: "system",
      reason: "allowlist_rejected",
      detail: { via: kind, why, ...(problem ? { problem } : {}) },
    });
  }

  private reject(reason: string, detail: Record<string, unknown>): void {
    this.deps.log.warn({ reason, ...detail }, "remote command refused");
    // Whoever can publish on the command topic must not be able to fill the disk with refusals:
    // at most REJECTIONS_PER_MINUTE rows a minute, then one row saying how many were not written.
    const now = this.deps.clock.now();
    if (now - this.rejectWindowStartMs >= 60_000) {
      if (this.suppressed > 0) {
        this.deps.record({
          kind: "system",
          reason: "rejections_suppressed",
          detail: { count: this.suppressed },
        });
      }
      this.rejectWindowStartMs = now;
      this.rejectsInWindow = 0;
      this.suppressed = 0;
    }
    if (this.rejectsInWindow >= REJECTIONS_PER_MINUTE) {
      this.suppressed++;
      return;
    }
    this.rejectsInWindow++;
    this.deps.record({ kind: "access", reason, credential: "remote", outcome: "denied", detail });
  }

  private run(action: string, task: () => Promise<void>): void {
    task().catch((err) => {
      // A refusal by the door's rules is already a denied row; only other failures are errors.
      if (err instanceof DoorCommandRefused || err instanceof RemoteUnlockRefused)
        this.deps.log.warn({ action, why: err.message }, "remote command refused by the door's rules");
      else this.deps.log.error({ err, action }, "remote command failed; door left as it was");
    });
  }
}
