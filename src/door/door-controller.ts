import type { LockRelay } from "../../devices/lock/lock-relay.js";
import type { Clock } from "../../devices/types.js";
import type { AuditEntry } from "../audit/audit-log.js";

export type DoorPhase = "locked" | "unlocked" | "open" | "held_open" | "forced" | "fault";

export interface DoorStatus {
  phase: DoorPhase;
  lock: "locked" | "unlocked";
  door: "open" | "closed" | "unknown";
  fault: string | null;
}

export interface DoorTiming {
  unlockMs: number;
  heldOpenMs: number;
  relockGraceMs: number;
  /** Length of each back-to-back pulse while the lock is held released (the relay's maximum). */
  holdPulseMs?: number;
}

/** A held release re-arms this long before its pulse would end, so the bolt never drops in between. */
const HOLD_REARM_MARGIN_MS = 1000;

export type DoorListener = (status: DoorStatus) => void;

/** What a fault is about: the lock output itself, or the door contact (the lock still answers). */
export type DoorFaultSource = "lock" | "door_contact";

/**
 * The door's state machine: driven by unlock requests and the door contact; drives the relay.
 * Door events are written to the audit log (through `record`, which commits before returning)
 * before the relay acts on them.
 */
export class DoorController {
  private phase: DoorPhase = "locked";
  private doorOpen: boolean | null = null;
  private faultDetail: string | null = null;
  /** Every device currently keeping the door in fault, with why. */
  private readonly faultSources = new Map<DoorFaultSource, string>();
  private relockedAtMs = Number.NEGATIVE_INFINITY;
  private cancelPulseEnd: (() => void) | null = null;
  private cancelHeldOpen: (() => void) | null = null;
  private listeners = new Set<DoorListener>();
  private heldFor: string | null = null;
  private cancelHoldRearm: (() => void) | null = null;

  constructor(
    private readonly relay: LockRelay,
    private readonly clock: Clock,
    private readonly timing: DoorTiming,
    private readonly record: (entry: AuditEntry) => void,
  ) {}

  onChange(listener: DoorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  status(): DoorStatus {
    return {
      phase: this.phase,
      lock: this.relay.released ? "unlocked" : "locked",
      door: this.doorOpen === null ? "unknown" : this.doorOpen ? "open" : "closed",
      fault: this.faultDetail,
    };
  }

  /** Drives the lock closed before anything else can happen; call first at start. */
  async start(doorOpen: boolean | null): Promise<void> {
    this.doorOpen = doorOpen;
    await this.relay.lock();
    this.setPhase(doorOpen ? "open" : "locked");
  }

  /**
   * Whether unlock() would drive the relay. In fault nothing unlocks, except a request to exit
   * when only the door contact failed: the relay still answers, and people must be able to leave.
   */
  canUnlock(opts: { forExit?: boolean } = {}): boolean {
    if (this.phase !== "fault") return true;
    return opts.forExit === true && !this.faultSources.has("lock") && this.faultSources.size > 0;
  }

  /** Releases the lock for one pulse. The caller has already recorded why. */
  async unlock(opts: { forExit?: boolean } = {}): Promise<void> {
    if (!this.canUnlock(opts)) throw new Error(`door is in fault: ${this.faultDetail}`);
    if (this.heldFor !== null) return; // already released, and a pulse end must not relock it
    // The relay's write is issued first (it is what the person waits for); the pulse end is armed
    // in the same synchronous step, before any other code can run.
    const pulsing = this.relay.pulse(this.timing.unlockMs);
    this.cancelPulseEnd?.();
    this.cancelPulseEnd = this.clock.setTimeout(() => this.endPulse(), this.timing.unlockMs);
    try {
      await pulsing;
    } catch (err) {
      this.cancelPulseEnd?.();
      this.enterFault(`lock output failed: ${(err as Error).message}`);
      throw err;
    }
    // A REX pulse during a contact fault leaves the phase at fault: the contact is still unknown.
    // A lock() that overtook the pulse (an admin lock, stop) leaves the relay locked: stay locked.
    if (this.phase === "fault") this.emit();
    else if (!this.doorOpen && this.relay.released) this.setPhase("unlocked");
  }

  /** Why the lock is being held released ("emergency_unlock", "unlock_schedule"), or null. */
  get holdReason(): string | null {
    return this.heldFor;
  }

  /**
   * Keeps the lock released (evacuation, unlock schedule) without ever energising the relay
   * open-ended: back-to-back maximum-length pulses, each re-armed by a timer shortly before
   * the last one ends. If re-arming stops (endHold, stop, a fault, a thrown error) the relay
   * driver's own timer relocks within one pulse: the door stays fail-secure.
   */
  async holdUnlocked(reason: string): Promise<void> {
    if (this.phase === "fault") throw new Error(`door is in fault: ${this.faultDetail}`);
    this.heldFor = reason;
    this.cancelHeldOpen?.();
    this.cancelHeldOpen = null;
    await this.rearmHold();
    if (!this.doorOpen && this.heldFor === reason && this.relay.released) this.setPhase("unlocked");
  }

  /** Ends a held release and relocks now. */
  async endHold(): Promise<void> {
    if (this.heldFor === null) return;
    this.heldFor = null;
    this.cancelHoldRearm?.();
    this.cancelHoldRearm = null;
    this.relockedAtMs = this.clock.now();
    await this.relay.lock();
    if (this.phase === "unlocked") this.setPhase("locked");
  }

  private async rearmHold(): Promise<void> {
    this.cancelHoldRearm?.();
    this.cancelHoldRearm = null;
    if (this.heldFor === null) return;
    const pulseMs = this.timing.holdPulseMs ?? this.timing.unlockMs;
    this.cancelPulseEnd?.();
    this.cancelPulseEnd = null;
    this.cancelHoldRearm = this.clock.setTimeout(
      () =>
        void this.rearmHold().catch((err: Error) => this.enterFault(`held release failed: ${err.message}`)),
      Math.max(pulseMs / 2, pulseMs - HOLD_REARM_MARGIN_MS),
    );
    try {
      await this.relay.pulse(pulseMs);
    } catch (err) {
      this.enterFault(`lock output failed: ${(err as Error).message}`);
      throw err;
    }
  }

  /** Relocks now (an admin lock command, stop). */
  async lock(): Promise<void> {
    this.cancelPulseEnd?.();
    this.cancelPulseEnd = null;
    await this.relay.lock();
    if (this.phase === "unlocked") this.setPhase("locked");
  }

  /** The contact changed (debounced). */
  contactChanged(open: boolean, atMs: number): void {
    if (open === this.doorOpen) return;
    this.doorOpen = open;
    if (open) this.doorOpened(atMs);
    else this.doorClosed();
  }

  /**
   * A device the door depends on failed: stay locked and refuse unlocks until it recovers. A held
   * release (emergency, unlock schedule) ends too. `record: false` when the fault was already
   * written to the audit log by whoever reported it.
   */
  enterFault(detail: string, source: DoorFaultSource = "lock", opts: { record?: boolean } = {}): void {
    this.heldFor = null;
    this.cancelHoldRearm?.();
    this.cancelHoldRearm = null;
    if (!this.faultSources.has(source) && opts.record !== false)
      this.record({ kind: "system", reason: "fault", detail: { device: source, detail } });
    this.faultSources.set(source, detail);
    this.faultDetail = [...this.faultSources.values()].join("; ");
    this.cancelPulseEnd?.();
    this.cancelPulseEnd = null;
    this.relay.lock().catch(() => {});
    this.setPhase("fault");
  }

  /** The source recovered (all sources when none is named); the door leaves fault when none remain. */
  clearFault(source?: DoorFaultSource): void {
    if (source) this.faultSources.delete(source);
    else this.faultSources.clear();
    this.faultDetail = this.faultSources.size ? [...this.faultSources.values()].join("; ") : null;
    if (this.phase !== "fault" || this.faultSources.size > 0) return;
    this.setPhase(this.doorOpen ? "open" : "locked");
  }

  async stop(): Promise<void> {
    this.cancelHeldOpen?.();
    this.cancelHeldOpen = null;
    await this.endHold();
    await this.lock();
  }

  private doorOpened(atMs: number): void {
    const authorised = this.relay.released || atMs - this.relockedAtMs <= this.timing.relockGraceMs;
    if (!authorised && this.phase !== "fault") {
      this.record({ kind: "door", reason: "door_forced", outcome: null });
      this.setPhase("forced");
      return;
    }
    this.record({ kind: "door", reason: "door_opened" });
    if (this.phase !== "fault") this.setPhase("open");
    this.cancelHeldOpen?.();
    this.cancelHeldOpen = null;
    if (this.heldFor !== null) return; // held released on purpose: an open door is expected
    this.cancelHeldOpen = this.clock.setTimeout(() => {
      this.cancelHeldOpen = null;
      this.record({
        kind: "door",
        reason: "door_held_open",
        detail: { held_open_s: this.timing.heldOpenMs / 1000 },
      });
      if (this.phase !== "fault") this.setPhase("held_open");
    }, this.timing.heldOpenMs);
  }

  private doorClosed(): void {
    this.cancelHeldOpen?.();
    this.cancelHeldOpen = null;
    this.record({ kind: "door", reason: "door_closed" });
    // Relock as soon as the door shuts: a pulse is for one passage, not for the rest of its time.
    if (this.relay.released && this.heldFor === null)
      void this.lock().catch((err: Error) => this.enterFault(`relock failed: ${err.message}`));
    if (this.phase !== "fault") this.setPhase(this.heldFor !== null ? "unlocked" : "locked");
  }

  private endPulse(): void {
    this.cancelPulseEnd = null;
    this.relockedAtMs = this.clock.now();
    // The relay's own timer relocks too; this keeps the state machine in step with it.
    this.relay.lock().catch((err: Error) => this.enterFault(`relock failed: ${err.message}`));
    if (this.phase === "unlocked") this.setPhase("locked");
    else this.emit();
  }

  private setPhase(phase: DoorPhase): void {
    this.phase = phase;
    this.emit();
  }

  private emit(): void {
    const status = this.status();
    for (const listener of this.listeners) listener(status);
  }
}
