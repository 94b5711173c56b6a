import type { KeypadKey } from "../devices/types.js";
import type { OrderedSteps } from "./ordered-steps.js";

/** A virtual keypad seen as its switches. */
export interface KeySwitches {
  keyDown(key: KeypadKey): void;
  keyUp(key: KeypadKey): void;
}

/**
 * Queues a person's keystrokes: each key held holdMs, then gapMs before the next, in order. Both
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
      steps.add(
        { afterMs: gapMs, keepGapAfterStall: true, run: () => keypad.keyDown(key) },
        {
          afterMs: holdMs,
          keepGapAfterStall: true,
          run: () => {
            keypad.keyUp(key);
            if (i === keys.length - 1) resolve();
          },
        },
      );
    });
  });
}
