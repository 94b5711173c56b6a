import type { Clock, KeypadKey } from "../../devices/types.js";
import {
  emptyPinEntry,
  expirePinEntry,
  type PinEntryOutcome,
  type PinEntryPolicy,
  type PinEntryState,
  pressKey,
} from "./pin-entry.js";

/** What a complete entry is looked up by (its keyed hash), worked out while the person still types. */
export type PinPreparer = (pin: string) => string;

/** A submitted PIN with its lookup key, prepared before the '#' when the digits allowed it. */
export type PinKeypadOutcome =
  | Exclude<PinEntryOutcome, { type: "submitted" }>
  | { type: "submitted"; pin: string; lookup: string | null };

/**
 * The PIN being typed, with its inter-key timer: the rules are the pure functions of
 * pin-entry.ts; this holds the state between keys and discards a half-typed PIN when the
 * person walks away. With a preparer, every digit that leaves a submittable entry (min_length
 * or more) has its lookup key computed there and then, in the gap before the next key, so the
 * final '#' goes straight to the lookup and the commit (issue 15: nothing but the fsync between
 * the last key and the relay). The key is a pure function of the digits, so a prepared one is
 * used only for exactly those digits, and is dropped with them.
 */
export class PinKeypad {
  private state: PinEntryState = emptyPinEntry;
  private cancelTimer: (() => void) | null = null;
  private prepared: { digits: string; lookup: string } | null = null;

  constructor(
    private readonly policy: PinEntryPolicy,
    private readonly clock: Clock,
    private readonly prepare?: PinPreparer,
  ) {}

  press(key: KeypadKey, atMs: number): PinKeypadOutcome {
    const { state, outcome } = pressKey(this.state, key, atMs, this.policy);
    this.state = state;
    this.armTimer();
    if (outcome.type === "submitted") {
      const prepared = this.prepared?.digits === outcome.pin ? this.prepared.lookup : null;
      this.prepared = null;
      return { ...outcome, lookup: prepared };
    }
    this.prepareEntry();
    return outcome;
  }

  /** Forgets whatever was typed (the keypad is locked out, or the controller stops). */
  clear(): void {
    this.state = emptyPinEntry;
    this.prepared = null;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  private prepareEntry(): void {
    const { digits, overflow } = this.state;
    if (!this.prepare || overflow || digits.length < this.policy.minLength) {
      this.prepared = null;
      return;
    }
    if (this.prepared?.digits === digits) return;
    this.prepared = { digits, lookup: this.prepare(digits) };
  }

  private armTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
    if (this.state.lastKeyMs === null) return;
    this.cancelTimer = this.clock.setTimeout(() => {
      this.cancelTimer = null;
      const expired = expirePinEntry(this.state, this.clock.now(), this.policy);
      if (expired) {
        this.state = expired;
        this.prepared = null;
      }
    }, this.policy.interKeyTimeoutMs);
  }
}
