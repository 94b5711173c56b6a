import type { Clock } from "../../devices/types.js";
import {
  expiredSession,
  type FactorPolicy,
  type FactorSession,
  type FactorStep,
  type PresentedFactor,
  presentFactor,
} from "./factor-session.js";

/**
 * Holds the one multi-factor session in progress and its expiry timer. The pure rules live in
 * factor-session.ts; this adds time: a first factor left alone past the window is reported
 * through onTimeout (the access service logs it as `second_factor_timeout`).
 */
export class FactorGate {
  private session: FactorSession | null = null;
  private firstWasDuress = false;
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly policy: FactorPolicy,
    private readonly clock: Clock,
    /** Runs when the window ends with only one factor presented; called through the access queue. */
    private readonly onTimeout: (expired: FactorSession) => void,
    private readonly schedule: (task: () => void) => void,
  ) {}

  get mode(): FactorPolicy["mode"] {
    return this.policy.mode;
  }

  get windowMs(): number {
    return this.policy.windowMs;
  }

  pending(): FactorSession | null {
    return this.session;
  }

  /**
   * One presented factor. Returns the step, whether any factor of the pair was a duress PIN,
   * and the session that had already expired (to be logged before acting on the step).
   */
  present(
    factor: PresentedFactor,
    duress: boolean,
  ): { step: FactorStep; expired: FactorSession | null; duress: boolean } {
    const result = presentFactor(this.session, factor, this.clock.now(), this.policy);
    const wasDuress = this.firstWasDuress;
    if (result.step.type === "first") {
      this.start(result.session as FactorSession, duress);
    } else if (result.step.type !== "not_accepted") {
      this.end();
    }
    return {
      step: result.step,
      expired: result.expired,
      duress: duress || (result.step.type === "complete" && wasDuress),
    };
  }

  end(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.session = null;
    this.firstWasDuress = false;
  }

  private start(session: FactorSession, duress: boolean): void {
    this.end();
    this.session = session;
    this.firstWasDuress = duress;
    this.cancelTimer = this.clock.setTimeout(() => {
      this.cancelTimer = null;
      this.schedule(() => {
        const expired = expiredSession(this.session, this.clock.now(), this.policy);
        if (!expired) return;
        this.end();
        this.onTimeout(expired);
      });
    }, this.policy.windowMs);
  }
}
