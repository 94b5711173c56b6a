/**
 * The device vocabulary that src/ sees. Everything physical is reached through these
 * narrow contracts; real backends live in devices/transports/, simulated ones in simulator/.
 */

export type Level = 0 | 1;

/** A source of time. Production uses the system clock; tests and the simulator use a fake one. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Runs fn once after ms; returns a cancel function (safe to call twice or after firing). */
  setTimeout(fn: () => void, ms: number): () => void;
}

export interface GpioLine {
  /** Current logical level (after active-low inversion). Rejects if the line is closed. */
  read(): Promise<Level>;
  /** Drives an output. Rejects if the line is an input or closed. */
  write(level: Level): Promise<void>;
  /** Calls onEdge on every (debounced) level change of an input. Returns an unsubscribe. */
  watch(onEdge: (level: Level, atMs: number) => void): () => void;
  close(): Promise<void>;
  /**
   * Optional: drives an output synchronously, for the last thing a crashing process does (an
   * async write queued from an exit handler never runs). Only backends that can offer it (sysfs
   * via onoff's writeSync, the simulator) define it. Throws like write() rejects.
   */
  writeSync?(level: Level): void;
}

export interface GpioLineOptions {
  /** Logical 1 is the electrical low level. */
  activeLow?: boolean;
  /** Edges closer together than this are merged (only the settled level is reported). */
  debounceMs?: number;
}

export interface GpioChip {
  /** Opens a line by offset (a BCM number on a Raspberry Pi). Rejects if it is busy or absent. */
  open(offset: number, dir: "in" | "out", opts?: GpioLineOptions): Promise<GpioLine>;
}

export interface I2cBus {
  /** Reads length bytes starting at reg. Rejects on NACK (the chip is gone) or bus error. */
  readRegister(addr: number, reg: number, length: number): Promise<Buffer>;
  /** Writes data starting at reg. Rejects on NACK: the chip is gone. */
  writeRegister(addr: number, reg: number, data: Buffer): Promise<void>;
}

/** One open serial port: bytes in order, no framing. */
export interface SerialLink {
  /** Writes bytes. Callers must not overlap writes; rejects if the port is closed. */
  write(bytes: Buffer): Promise<void>;
  onData(cb: (chunk: Buffer) => void): () => void;
  /** The adapter vanished (err set) or close() was called (no err). */
  onClose(cb: (err?: Error) => void): () => void;
  close(): Promise<void>;
}

/** Opens a serial port by path; rejects if it does not exist or is busy. */
export interface SerialPortOpener {
  open(path: string, baudRate: number): Promise<SerialLink>;
}

/** Everything the composition root hands to the app to reach hardware. */
export interface Transports {
  gpio: GpioChip;
  i2c: I2cBus;
  serial: SerialPortOpener;
}

export type KeypadKey = "0" | "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "*" | "#";

export type HealthState = "ok" | "degraded" | "failed";

/** Events that drivers emit; src/ consumes them through the event bus. */
export interface DeviceEvents {
  keyPressed: { key: KeypadKey; atMs: number };
  fingerMatched: { slot: number; score: number; atMs: number };
  fingerUnknown: { atMs: number };
  badgeRead: { number: string; format: string; atMs: number };
  badgeBadRead: { format: string; detail: string; atMs: number };
  doorContactChanged: { open: boolean; atMs: number };
  exitRequested: { atMs: number };
  deviceFault: { device: string; detail: string; atMs: number };
  deviceRecovered: { device: string; atMs: number };
  /** The keypad controller's FIFO overflowed: key events were lost, the entry in progress is unreliable. */
  keypadOverflow: { device: string; atMs: number };
}

/**
 * Where an event happened: the door (its id in the config) and the reader that produced it, or
 * null for the door's own lines (contact, REX, relay) and the controller's parts.
 */
export interface EventSource {
  door: string;
  reader: string | null;
}

/**
 * The event bus's vocabulary: every device event, stamped with its source by the door unit that
 * owns the device. Drivers emit DeviceEvents and know nothing of doors; a controller drives up to
 * four doors, so everything on the shared bus says which door and reader it is about.
 */
export type BusEvents = { [K in keyof DeviceEvents]: DeviceEvents[K] & EventSource };
