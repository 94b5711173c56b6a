import type { DeviceEvents, KeypadKey } from "../types.js";

/** What a keypad driver reports. Handlers run synchronously; one that throws is contained. */
export interface KeypadHandlers {
  onKey(event: DeviceEvents["keyPressed"]): void;
  /** The part stopped answering (I2C NACK or bus error); the driver keeps retrying. */
  onFault(event: DeviceEvents["deviceFault"]): void;
  /** The first successful read after a fault. */
  onRecovered(event: DeviceEvents["deviceRecovered"]): void;
  /**
   * Key events were lost (TCA8418 FIFO overflow). Called after the surviving keys are
   * delivered, so a PIN assembler can abandon the entry in progress.
   */
  onOverflow?(event: { device: string; atMs: number }): void;
}

/** Both keypad drivers (TCA8418, PCF8574 matrix) implement this; they emit keyPressed only. */
export interface Keypad {
  /** Configures the part and starts reading. Resolves even if the part is absent: it reports a fault and retries. */
  start(): Promise<void>;
  /** Stops polling and unwatches; no handler runs after it resolves. */
  stop(): Promise<void>;
}

/** Rows top to bottom, one character per column: the usual 4x3 phone layout. */
export const DEFAULT_KEYPAD_LAYOUT: readonly string[] = ["123", "456", "789", "*0#"];

const KEYS = new Set<string>(["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#"]);

/** Validates a layout (4 rows of 3 keys) and returns it as a grid of typed keys. */
export function parseKeypadLayout(layout: readonly string[]): KeypadKey[][] {
  if (layout.length !== 4 || layout.some((row) => row.length !== 3)) {
    throw new Error(`keypad layout must be 4 rows of 3 keys, got ${JSON.stringify(layout)}`);
  }
  return layout.map((row) =>
    [...row].map((ch) => {
      if (!KEYS.has(ch)) throw new Error(`keypad layout: "${ch}" is not a keypad key (0-9, *, #)`);
      return ch as KeypadKey;
    }),
  );
}

/** Calls a handler and swallows what it throws: a listener bug must not stop the scan loop. */
export function callSafely<T>(handler: ((event: T) => void) | undefined, event: T): void {
  try {
    handler?.(event);
  } catch {
    // Deliberately ignored: the event bus above logs listener failures.
  }
}
