import type { PolicySettings } from "../config/policy-schema.js";
import type { PolicySnapshot, PolicyStore } from "../store/policy-store.js";
import type { Decision, PolicyContext } from "./decide.js";
import { LocalTimeConverter } from "./local-time.js";
import { anyScheduleOpen } from "./schedule.js";
import type { PendingPerson } from "./two-person.js";

/**
 * Assembles the PolicyContext that `decide()` reads, and keeps the little state the rules
 * carry between attempts (the person waiting under the two-person rule). The compiled
 * snapshot is reloaded only when the policy revision moves. An attempt passes the revision
 * its credential lookup read in the same statement as the user, so it costs no query here:
 * only O(windows of that user's schedules on that weekday).
 */
export class PolicyEngine {
  readonly local: LocalTimeConverter;
  private cached: PolicySnapshot | null = null;
  private pending: PendingPerson | null = null;

  constructor(
    private readonly store: PolicyStore,
    private readonly settings: PolicySettings,
  ) {
    this.local = new LocalTimeConverter(settings.timezone);
  }

  /**
   * The compiled policy as of `revision` or later. Without a revision one is read from the
   * store (one small query); a caller that just read it with the user passes it in.
   */
  snapshot(revision?: number): PolicySnapshot {
    const current = revision ?? this.store.revision();
    // A reload may land on a newer revision than the one asked for: never older, so it is current.
    if (!this.cached || current !== this.cached.revision) this.cached = this.store.snapshot();
    return this.cached;
  }

  /** `revision`: the policy revision read with the attempt's user (CredentialHolder.policyRevision). */
  context(nowMs: number, revision?: number): PolicyContext {
    const snap = this.snapshot(revision);
    const local = this.local.at(nowMs);
    const tp = this.settings.two_person;
    return {
      mode: snap.mode.mode,
      local,
      schedules: snap.schedules,
      holidays: snap.holidays,
      requireSchedule: this.settings.require_schedule,
      requireAgreement: this.settings.require_agreement,
      twoPerson: {
        active: tp.enabled && (tp.only_during.length === 0 || this.openIn(snap, tp.only_during, nowMs)),
        windowMs: tp.window_s * 1000,
        pending: this.pending,
      },
    };
  }

  /** Keeps the two-person state in step with what was decided. */
  settle(decision: Decision): void {
    if (decision.outcome === "waiting") this.pending = decision.pending;
    else if (decision.outcome === "granted") this.pending = null;
  }

  /** Whether any of these named schedules is open now; names that do not exist count as closed. */
  namedOpen(names: readonly string[], nowMs: number): boolean {
    return this.openIn(this.snapshot(), names, nowMs);
  }

  /** Whether this schedule (by id) is open now: an access level's schedule. */
  scheduleIdOpen(scheduleId: number, nowMs: number): boolean {
    const snap = this.snapshot();
    return anyScheduleOpen([scheduleId], snap.schedules, this.local.at(nowMs), snap.holidays);
  }

  private openIn(snap: PolicySnapshot, names: readonly string[], nowMs: number): boolean {
    const ids = names
      .map((n) => snap.scheduleIdsByName.get(n))
      .filter((id): id is number => id !== undefined);
    return anyScheduleOpen(ids, snap.schedules, this.local.at(nowMs), snap.holidays);
  }
}
