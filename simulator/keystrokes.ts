import type { KeypadKey } from "../devices/types.js";
import type { OrderedSteps } from "./ordered-steps.js";

/** A virtual keypad seen as its switches. */
export interface KeySwitches {
  keyDown(key: KeypadKey): void;
  keyUp(key: KeypadKey): void;
  /**
   * How a person lets go of a key on a keypad that only sees keys while its host scans them: not
   * before the keypad has taken it (a person holds until the beep). Resolves once released. Chips
   * that latch presses themselves (a TCA8418's FIFO) need no such thing and leave it out.
   */
  letGo?(key: KeypadKey): Promise<void>;
}

/**
 * Queues a person's keystrokes: each key held holdMs (or, with letGo, until the keypad has taken
 * it, whichever is later), then gapMs from the release before the next, in order. Both
 * times are kept after an event-loop stall, as a person does not type faster because the host
 * stalled: keystrokes squeezed together would overflow a TCA8418's FIFO or be pressed and released
 * between two scans of a PCF8574 matrix. Resolves once the last key is released.
 */
export function queueKeystrokes(
  steps: OrderedSteps,
  keypad: KeySwitches,
  keys: readonly KeypadKey[],
  holdMs: number,
  gapMs: number,
): Promise<void> {
  if (keys.length === 0) return Promise.resolve();
  return new Promise<void>((resolve) => {
    keys.forEach((key, i) => {
      const released = () => {
        if (i === keys.length - 1) resolve();
      };
      const { letGo } = keypad;
      steps.add(
        { afterMs: gapMs, keepGapAfterStall: true, run: () => keypad.keyDown(key) },
        letGo
          ? {
              afterMs: holdMs,
              keepGapAfterStall: true,
              runUntilSettled: () => letGo.call(keypad, key).then(released),
            }
          : {
              afterMs: holdMs,
              keepGapAfterStall: true,
              run: () => {
                keypad.keyUp(key);
                released();
              },
            },
      );
    });
  });
}
