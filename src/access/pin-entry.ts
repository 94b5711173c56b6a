import type { KeypadKey } from "../../devices/types.js";

export interface PinEntryPolicy {
  minLength: number;
  maxLength: number;
  interKeyTimeoutMs: number;
}

export interface PinEntryState {
  digits: string;
  /** More digits than max_length were typed: the entry is void, but we keep counting until '#'. */
  overflow: boolean;
  lastKeyMs: number | null;
}

export type PinEntryOutcome =
  | { type: "collecting" }
  | { type: "cleared"; why: "star" | "timeout" }
  | { type: "submitted"; pin: string }
  | { type: "malformed"; why: "too_short" | "too_long" }
  | { type: "ignored" };

export const emptyPinEntry: PinEntryState = { digits: "", overflow: false, lastKeyMs: null };

/**
 * Assembles a PIN from key presses, purely: digits accumulate, '*' clears, '#' submits,
 * a gap longer than the inter-key timeout discards a half-typed PIN before the next key.
 */
export function pressKey(
  state: PinEntryState,
  key: KeypadKey,
  nowMs: number,
  policy: PinEntryPolicy,
): { state: PinEntryState; outcome: PinEntryOutcome } {
  const stale = state.lastKeyMs !== null && nowMs - state.lastKeyMs > policy.interKeyTimeoutMs;
  const current = stale ? emptyPinEntry : state;
  if (key === "*") return { state: emptyPinEntry, outcome: { type: "cleared", why: "star" } };
  if (key === "#") {
    if (current.digits.length === 0 && !current.overflow)
      return { state: emptyPinEntry, outcome: { type: "ignored" } };
    if (current.overflow) return { state: emptyPinEntry, outcome: { type: "malformed", why: "too_long" } };
    if (current.digits.length < policy.minLength)
      return { state: emptyPinEntry, outcome: { type: "malformed", why: "too_short" } };
    return { state: emptyPinEntry, outcome: { type: "submitted", pin: current.digits } };
  }
  if (current.digits.length >= policy.maxLength) {
    return {
      state: { digits: current.digits, overflow: true, lastKeyMs: nowMs },
      outcome: { type: "collecting" },
    };
  }
  return {
    state: { digits: current.digits + key, overflow: current.overflow, lastKeyMs: nowMs },
    outcome: { type: "collecting" },
  };
}

/** Called when the inter-key timer fires: a half-typed PIN is discarded. */
export function expirePinEntry(
  state: PinEntryState,
  nowMs: number,
  policy: PinEntryPolicy,
): PinEntryState | null {
  if (state.lastKeyMs === null) return null;
  return nowMs - state.lastKeyMs >= policy.interKeyTimeoutMs ? emptyPinEntry : null;
}
