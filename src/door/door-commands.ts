import type { Clock } from "../../devices/types.js";
import type { DoorMode } from "../access/decide.js";
import type { AuditEntry, AuditLog, AuditRecord } from "../audit/audit-log.js";
import type { ModeRecord, PolicyStore } from "../store/policy-store.js";

/**
 * Who asks. `by` names the actor as everywhere in the log (`os:root`, `web:ada`, `mqtt`,
 * `home_assistant`); `detail` says how (via, nonce, ...). Both go into the command's audit row.
 */
export interface CommandActor {
  by: string;
  detail?: Record<string, unknown>;
}

/** A mode switch as every surface expresses it: "lockdown on", "emergency off". */
export interface ModeSwitch {
  mode: "lockdown" | "emergency_unlock";
  on: boolean;
}

/** A command the rules refuse. Its denied row is already committed; `field` is the request field at fault. */
export class DoorCommandRefused extends Error {
  constructor(
    message: string,
    readonly reason: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = "DoorCommandRefused";
  }
}

export class UnknownDoorError extends Error {
  constructor(door: string, known: string[]) {
    super(`no such door '${door}' (doors: ${known.join(", ")})`);
    this.name = "UnknownDoorError";
  }
}

/**
 * The running door's actuators. Present in the service; absent in the CLI, which runs in
 * another process and only persists the mode (the service polls it every policy.mode_poll_ms).
 */
export interface LiveDoor {
  /** The access service's remote unlock: refuses (denied row) in lockdown or fault, else row then pulse. */
  unlockOnce(detail: Record<string, unknown>): Promise<AuditRecord>;
  lock(): Promise<void>;
  /** Why the lock is held released (emergency_unlock, unlock_schedule), or null. */
  holdReason(): string | null;
  /** Applies a persisted mode change to the relay now instead of at the next poll. */
  applyMode(): Promise<void>;
}

/** One door as DoorCommands sees it: where its mode is kept and, in the service, its actuators. */
export interface DoorCommandTarget {
  modes: PolicyStore;
  live?: LiveDoor;
}

/**
 * The one way the CLI, the admin page and MQTT reach a door: unlock once, lock, and mode
 * switches, with one set of rules and exactly one audit row per command (the change or the
 * refusal), committed in the same transaction as the mode it sets. Keyed by door id so several
 * doors can share it; today a controller has one.
 *
 * Rules: "X off" ends only mode X (a "lockdown off" never ends an emergency unlock); lockdown
 * may not replace a running emergency unlock (evacuation ends only by "emergency off");
 * emergency unlock may replace lockdown (one step in a fire); unlock once is refused in
 * lockdown and in fault (by the access service, which owns the pulse); lock is refused while
 * the lock is held released, since the hold would re-release it within a pulse anyway.
 */
export class DoorCommands {
  constructor(
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly doors: ReadonlyMap<string, DoorCommandTarget>,
  ) {}

  doorIds(): string[] {
    return [...this.doors.keys()];
  }

  mode(door: string): ModeRecord {
    return this.target(door).modes.mode();
  }

  async unlockOnce(door: string, actor: CommandActor): Promise<AuditRecord> {
    const live = this.liveDoor(door, "unlock once");
    return live.unlockOnce({ by: actor.by, ...actor.detail });
  }

  async lock(door: string, actor: CommandActor): Promise<void> {
    const live = this.liveDoor(door, "lock");
    const held = live.holdReason();
    if (held !== null) {
      this.record(door, {
        kind: "access",
        reason: "lock_refused",
        credential: "remote",
        outcome: "denied",
        detail: { by: actor.by, ...actor.detail, held_for: held },
      });
      throw new DoorCommandRefused(`the lock is held released (${held}); end that first`, "held_released");
    }
    this.record(door, {
      kind: "access",
      reason: "remote_lock",
      credential: "remote",
      detail: { by: actor.by, ...actor.detail },
    });
    await live.lock();
  }

  /**
   * Persists the switch with its row before the first await, so a caller that does not wait
   * (the CLI exits, the service polls) still has it committed; then applies it to the relay.
   */
  async setMode(door: string, request: ModeSwitch, actor: CommandActor): Promise<ModeRecord> {
    const target = this.target(door);
    const record = this.audit.atomically(() => {
      const previous = target.modes.mode();
      const refusal = refusalOf(previous.mode, request);
      const detail = {
        by: actor.by,
        ...actor.detail,
        requested: `${request.mode}_${request.on ? "on" : "off"}`,
      };
      if (refusal) {
        this.record(door, {
          kind: "system",
          reason: "door_mode_refused",
          outcome: "denied",
          detail: { ...detail, mode: previous.mode, why: refusal.reason },
        });
        return refusal;
      }
      const mode: DoorMode = request.on ? request.mode : "normal";
      if (mode === previous.mode) {
        this.record(door, { kind: "system", reason: "door_mode_unchanged", detail: { ...detail, mode } });
        return previous;
      }
      const next: ModeRecord = { mode, since_ms: this.clock.now(), by: actor.by };
      target.modes.setMode(next);
      this.record(door, {
        kind: "system",
        reason: "door_mode_changed",
        detail: { ...detail, mode, previous: previous.mode },
      });
      return next;
    });
    if (record instanceof DoorCommandRefused) throw record;
    await target.live?.applyMode();
    return record;
  }

  /** Every command row names the door it is about. */
  private record(door: string, entry: AuditEntry): AuditRecord {
    return this.audit.append({ ...entry, door }, this.clock.now());
  }

  private target(door: string): DoorCommandTarget {
    const t = this.doors.get(door);
    if (!t) throw new UnknownDoorError(door, this.doorIds());
    return t;
  }

  private liveDoor(door: string, what: string): LiveDoor {
    const live = this.target(door).live;
    if (!live) throw new Error(`${what} needs the running service; the CLI can only set the door mode`);
    return live;
  }
}

/** The refusal for switching from `current` as requested, or null when allowed. */
function refusalOf(current: DoorMode, request: ModeSwitch): DoorCommandRefused | null {
  if (!request.on && current !== request.mode)
    return new DoorCommandRefused(
      `the door is in mode '${current}', not '${request.mode}'`,
      "not_in_mode",
      "on",
    );
  if (request.on && request.mode === "lockdown" && current === "emergency_unlock")
    return new DoorCommandRefused(
      "the door is in emergency unlock; end it with 'emergency off' before a lockdown",
      "emergency_unlock_active",
      "on",
    );
  return null;
}
