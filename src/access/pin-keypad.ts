import type { Clock, KeypadKey } from "../../devices/types.js";
import {
  emptyPinEntry,
  expirePinEntry,
  type PinEntryOutcome,
  type PinEntryPolicy,
  type PinEntryState,
  pressKey,
} from "./pin-entry.js";

/**
 * The PIN being typed, with its inter-key timer: the rules are the pure functions of
 * pin-entry.ts; this holds the state between keys and discards a half-typed PIN when the
 * person walks away.
 */
export class PinKeypad {
  private state: PinEntryState = emptyPinEntry;
  private cancelTimer: (() => void) | null = null;

  constructor(
    private readonly policy: PinEntryPolicy,
    private readonly clock: Clock,
  ) {}

  press(key: KeypadKey, atMs: number): PinEntryOutcome {
    const { state, outcome } = pressKey(this.state, key, atMs, this.policy);
    this.state = state;
    this.armTimer();
    return outcome;
  }

  /** Forgets whatever was typed (the keypad is locked out, or the controller stops). */
  clear(): void {
    this.state = emptyPinEntry;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private armTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.state.lastKeyMs === null) return;
    this.cancelTimer = this.clock.setTimeout(() => {
      this.cancelTimer = null;
      const expired = expirePinEntry(this.state, this.clock.now(), this.policy);
      if (expired) this.state = expired;
    }, this.policy.interKeyTimeoutMs);
  }
}
