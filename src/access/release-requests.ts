import type { IndicatorPattern } from "../../devices/indicator/indicator.js";
import type { AuditRecord } from "../audit/audit-log.js";
import type { RuleVerdict } from "../site/door-rules.js";
import type { AccessServiceDeps } from "./access-deps.js";
import type { DoorRulesGate } from "./door-rules-gate.js";

/** A remote unlock refused by policy (lockdown, interlock) or a faulted door; the denial row is committed. */
export class RemoteUnlockRefused extends Error {}

/**
 * Releases that name no person: request-to-exit and a verified remote unlock. The access service
 * runs each in its one queue, so neither ever interleaves with an attempt.
 */
export class ReleaseRequests {
  constructor(
    private readonly deps: AccessServiceDeps,
    private readonly rules: DoorRulesGate,
    private readonly door: DoorOpener,
  ) {}

  async exit(): Promise<void> {
    const { door } = this.deps;
    // Deliberately not subject to policy (lockdown, schedules): people inside must always be able
    // to leave. In fault REX still works while the relay answers (only the contact failed); otherwise
    // the refusal is logged and egress relies on the mechanical handle (hardware/WIRING.md).
    if (!door.canUnlock({ forExit: true })) {
      this.deps.recordOrQueue({
        kind: "door",
        reason: "exit_request",
        credential: "rex",
        outcome: "denied",
        detail: { problem: "door_fault" },
      });
      this.deps.indicator.show("fault");
      return;
    }
    // Only with interlock.rex_respects does an interlock hold REX back (egress otherwise wins,
    // also when the rules themselves fail).
    const { verdict, passed } = this.rules.release("exit", this.deps.clock.now(), (err) =>
      this.deps.onError("exit_rules", err),
    );
    if (verdict?.type === "deny") {
      this.deps.recordOrQueue({
        kind: "access",
        reason: verdict.reason,
        credential: "rex",
        outcome: "denied",
        detail: verdict.detail ?? null,
      });
      this.deps.indicator.show("denied");
      return;
    }
    // Logged first whenever the log can be written; when it cannot (full disk) the door is
    // released all the same and the exit is counted, to be logged once writing works again.
    await this.door.relayThenListeners(() => {
      this.deps.recordEgress({ kind: "door", reason: "exit_request", credential: "rex", outcome: "granted" });
      passed();
      return door.unlock({ forExit: true });
    });
  }

  /**
   * A verified remote request (signed MQTT command, Home Assistant with its code, an admin's
   * "unlock once" on the web page): the audit row with credential `remote` and who asked is
   * committed first, then the pulse. Rejects (door left locked) if the row cannot be written, or
   * with RemoteUnlockRefused (after a denied row) in lockdown or while the door is in fault.
   */
  async remote(detail: Record<string, unknown>): Promise<AuditRecord> {
    // Lockdown lets only override people through decide(); a remote request names no person,
    // so it is refused like any other during lockdown (an admin ends lockdown first). A door in
    // fault is logged as a denial, not as a grant for a relay that will not move. An interlocked
    // door refuses while another door of its set is unlocked or open.
    const release = this.rules.release("remote", this.deps.clock.now());
    let verdict: RuleVerdict | null = null;
    let refusal: string | null = null;
    if (this.deps.policy?.snapshot().mode.mode === "lockdown") refusal = "lockdown";
    else if (!this.deps.door.canUnlock()) refusal = "door_fault";
    else {
      verdict = release.verdict;
      if (verdict?.type === "deny") refusal = verdict.reason;
    }
    if (refusal) {
      this.deps.record({
        kind: "access",
        reason: refusal,
        credential: "remote",
        outcome: "denied",
        detail: { ...detail, ...(verdict?.detail ?? {}) },
      });
      this.door.feedback(refusal === "door_fault" ? "fault" : "denied");
      throw new RemoteUnlockRefused(
        refusal === "lockdown"
          ? "the door is in lockdown"
          : refusal === "door_fault"
            ? "the door is in fault"
            : `refused: ${refusal}${verdict?.detail?.blocked_by ? ` (door ${verdict.detail.blocked_by} is unlocked or open)` : ""}`,
      );
    }
    const { recorded, opening } = this.door.relayThenListeners(() => {
      const recorded = this.deps.record({
        kind: "access",
        reason: "remote_unlock",
        credential: "remote",
        outcome: "granted",
        detail,
      });
      release.passed();
      return { recorded, opening: this.door.openThenShow() };
    });
    await opening;
    return recorded;
  }
}

/** How a release drives the door and says so; shared by the access service and ReleaseRequests. */
export class DoorOpener {
  constructor(private readonly deps: AccessServiceDeps) {}

  /**
   * Commit, then relay: `action` commits its rows and starts the door (the relay write is issued
   * synchronously); the log's listeners hear the rows only when it returns, after the relay.
   */
  relayThenListeners<T>(action: () => T): T {
    return this.deps.listenersAfter ? this.deps.listenersAfter(action) : action();
  }

  /**
   * The relay is commanded first, in the same call as the commit that came before it (its write is
   * issued synchronously inside unlock()); the indicator, buzzer and reader LEDs follow. A relay
   * that fails rejects here, and the queue shows the fault.
   */
  async openThenShow(): Promise<void> {
    const opening = this.deps.door.unlock();
    this.feedback("granted");
    await opening;
  }

  feedback(pattern: IndicatorPattern): void {
    this.deps.indicator.show(pattern);
    this.deps.sensorFeedback?.(pattern);
  }
}
