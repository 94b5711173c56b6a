import type { Clock } from "../../devices/types.js";
import type { PolicyEngine } from "../access/policy-engine.js";
import type { AuditEntry } from "../audit/audit-log.js";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { DoorController } from "./door-controller.js";

/** Survives a restart: the first person already came in today, so the unlock schedule may resume. */
const FIRST_IN_KEY = "policy:first_in_date";

export interface DoorModeDeps {
  door: DoorController;
  engine: PolicyEngine;
  kv: KeyValueStore;
  clock: Clock;
  record: (entry: AuditEntry) => void;
  onError: (context: string, err: unknown) => void;
  /** The unlock schedule's name (policy.unlock_schedule), or null. */
  unlockSchedule: string | null;
  pollMs: number;
}

/**
 * Applies the door mode and the unlock schedule to the lock. The CLI runs in another process
 * and writes the mode to the kv table; this service polls it (through the engine's cached
 * snapshot, reloaded only when the database changed) every pollMs, and access decisions read
 * it on every attempt. Lockdown wins over everything; emergency_unlock holds the lock
 * released until the mode is set back explicitly; the unlock schedule holds it released only
 * after the first authorised grant of that local day, while the schedule is open.
 */
export class DoorModeService {
  private cancelPoll: (() => void) | null = null;
  private applying: Promise<void> = Promise.resolve();

  constructor(private readonly deps: DoorModeDeps) {}

  start(): Promise<void> {
    this.schedulePoll();
    return this.apply();
  }

  stop(): void {
    this.cancelPoll?.();
    this.cancelPoll = null;
  }

  /** The door's mode and whether (and why) the lock is held released, for `door mode` and the console. */
  status(): { mode: string; since_ms: number; by: string; held_for: string | null } {
    const { mode, since_ms, by } = this.deps.engine.snapshot().mode;
    return { mode, since_ms, by, held_for: this.deps.door.holdReason };
  }

  /** Called after every grant: the first one inside the unlock schedule starts the day's hold. */
  granted(nowMs: number): Promise<void> {
    const name = this.deps.unlockSchedule;
    if (name === null || !this.deps.engine.namedOpen([name], nowMs)) return this.applying;
    const today = this.deps.engine.local.at(nowMs).date;
    if (this.deps.kv.getJson<string>(FIRST_IN_KEY) !== today) this.deps.kv.setJson(FIRST_IN_KEY, today);
    return this.apply();
  }

  /** Re-evaluates now; serialised so two evaluations never drive the relay at once. */
  apply(): Promise<void> {
    this.applying = this.applying
      .then(() => this.evaluate())
      .catch((err) => this.deps.onError("door mode", err));
    return this.applying;
  }

  private schedulePoll(): void {
    this.cancelPoll = this.deps.clock.setTimeout(() => {
      void this.apply();
      this.schedulePoll();
    }, this.deps.pollMs);
  }

  private wanted(nowMs: number): string | null {
    const { engine, unlockSchedule, kv } = this.deps;
    const mode = engine.snapshot().mode.mode;
    if (mode === "emergency_unlock") return "emergency_unlock";
    if (mode === "lockdown" || unlockSchedule === null) return null;
    if (!engine.namedOpen([unlockSchedule], nowMs)) return null;
    return kv.getJson<string>(FIRST_IN_KEY) === engine.local.at(nowMs).date ? "unlock_schedule" : null;
  }

  private async evaluate(): Promise<void> {
    const { door, record, clock } = this.deps;
    const want = this.wanted(clock.now());
    const have = door.holdReason;
    if (want === have) return;
    if (have !== null) {
      await door.endHold();
      record({ kind: "door", reason: `${have}_ended` });
    }
    // A faulted door refuses holds; the fault is already logged. Trying on every poll would
    // write a "started" row each time for a hold that never starts. Resumes once it clears.
    if (want !== null && !door.canUnlock()) return;
    if (want !== null) {
      // Logged before the relay acts, like every other unlock.
      record({
        kind: "door",
        reason: `${want}_started`,
        detail: { mode: this.deps.engine.snapshot().mode.mode },
      });
      await door.holdUnlocked(want);
    }
  }
}
