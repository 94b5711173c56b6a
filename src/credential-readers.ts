import { R503Fingerprint } from "../devices/fingerprint/r503-driver.js";
import type { Keypad } from "../devices/keypad/keypad.js";
import { Pcf8574Keypad } from "../devices/keypad/pcf8574-keypad.js";
import { Tca8418Keypad } from "../devices/keypad/tca8418-keypad.js";
import type { Clock, DeviceEvents, Transports } from "../devices/types.js";
import type { AuditEntry } from "./audit/audit-log.js";
import { BadgeReaderService } from "./badge/badge-reader-service.js";
import type {
  BadgeReaderSettings,
  FingerprintReaderSettings,
  KeypadReaderSettings,
  ReaderSettings,
} from "./config/door-schema.js";
import { FingerprintService } from "./fingerprint/fingerprint-service.js";
import type { Logger } from "./logger.js";
import type { Db } from "./store/open-database.js";
import { SensorRequestStore } from "./store/sensor-request-store.js";
import type { UserStore } from "./store/user-store.js";

export interface CredentialReaders {
  /** null when the door has no fingerprint sensor. */
  fingerprint: FingerprintService | null;
  fingerprintDriver: R503Fingerprint | null;
  /** The door's first badge reader; null when it has none. */
  badges: BadgeReaderService | null;
  stop(): Promise<void>;
}

/** Where one reader's driver events go: the door unit stamps them with {door, reader} for the bus. */
export type ReaderEmit = <K extends keyof DeviceEvents>(event: K, payload: DeviceEvents[K]) => void;

export interface CredentialReaderDeps {
  readers: readonly ReaderSettings[];
  transports: Transports;
  clock: Clock;
  logger: Logger;
  db: Db;
  users: UserStore;
  /** Never throws. */
  record: (entry: AuditEntry) => void;
  emitFor: (reader: ReaderSettings) => ReaderEmit;
  /** Lines the keypad INT pins take, closed at stop. */
  onLineOpened?: (close: () => Promise<void>) => void;
}

/**
 * One door's readers: keypads, at most one fingerprint sensor, badge readers. Driver events go on
 * the bus stamped with the door and reader; the door unit takes attempts from there and faults
 * become `fault` audit rows. A reader that is absent at start-up is a fault the driver keeps
 * retrying; it never stops the controller from starting.
 */
export async function startCredentialReaders(d: CredentialReaderDeps): Promise<CredentialReaders> {
  const stops: Array<() => Promise<void>> = [];
  let fingerprint: FingerprintService | null = null;
  let fingerprintDriver: R503Fingerprint | null = null;
  let badges: BadgeReaderService | null = null;
  for (const reader of d.readers) {
    const emit = d.emitFor(reader);
    switch (reader.kind) {
      case "keypad": {
        const keypad = await createKeypad(d, reader, emit);
        await keypad.start();
        stops.push(() => keypad.stop());
        break;
      }
      case "fingerprint":
        fingerprintDriver = createFingerprint(d, reader, emit);
        fingerprint = new FingerprintService({
          driver: fingerprintDriver,
          requests: new SensorRequestStore(d.db),
          users: d.users,
          record: d.record,
          clock: d.clock,
          log: d.logger.child({ module: "fingerprint", reader: reader.id }),
          requestPollMs: reader.request_poll_ms,
        });
        fingerprint.start();
        stops.push(() => (fingerprint as FingerprintService).stop());
        break;
      case "badge": {
        const service = createBadgeReader(d, reader, emit);
        await service.start();
        badges ??= service;
        stops.push(() => service.stop());
        break;
      }
    }
  }
  return {
    fingerprint,
    fingerprintDriver,
    badges,
    async stop() {
      for (const stop of stops.reverse().splice(0)) await stop();
    },
  };
}

/** A TCA8418 with interrupt_gpio drains its FIFO on INT; otherwise it is polled. */
async function createKeypad(
  d: CredentialReaderDeps,
  k: KeypadReaderSettings,
  emit: ReaderEmit,
): Promise<Keypad> {
  const common = {
    bus: d.transports.i2c,
    clock: d.clock,
    address: k.address,
    onKey: (e: DeviceEvents["keyPressed"]) => emit("keyPressed", e),
    onFault: (e: DeviceEvents["deviceFault"]) => emit("deviceFault", e),
    onRecovered: (e: DeviceEvents["deviceRecovered"]) => emit("deviceRecovered", e),
    onOverflow: (e: DeviceEvents["keypadOverflow"]) => emit("keypadOverflow", e),
  };
  if (k.driver === "pcf8574") return new Pcf8574Keypad({ ...common, scanMs: k.poll_ms });
  if (k.interrupt_gpio === null) return new Tca8418Keypad({ ...common, pollMs: k.poll_ms });
  // The raw, active-low INT pin: opened without inversion or debounce (the driver reads the level).
  const interrupt = await d.transports.gpio.open(k.interrupt_gpio, "in");
  d.onLineOpened?.(() => interrupt.close());
  return new Tca8418Keypad({ ...common, pollMs: k.poll_ms, interrupt, interruptActiveLevel: 0 });
}

function createFingerprint(
  d: CredentialReaderDeps,
  f: FingerprintReaderSettings,
  emit: ReaderEmit,
): R503Fingerprint {
  const log = d.logger.child({ module: "fingerprint", reader: f.id });
  return new R503Fingerprint({
    clock: d.clock,
    opener: d.transports.serial,
    path: f.port,
    baudRate: f.baud,
    password: f.password,
    commandTimeoutMs: f.command_timeout_ms,
    pollIntervalMs: f.poll_ms,
    events: {
      fingerMatched: (e) => emit("fingerMatched", e),
      fingerUnknown: (e) => emit("fingerUnknown", e),
      protocolError: ({ detail }) =>
        log.warn({ detail }, "fingerprint sensor protocol error; answer ignored"),
      deviceFault: (e) => emit("deviceFault", e),
      deviceRecovered: (e) => emit("deviceRecovered", e),
    },
  });
}

function createBadgeReader(
  d: CredentialReaderDeps,
  b: BadgeReaderSettings,
  emit: ReaderEmit,
): BadgeReaderService {
  return new BadgeReaderService({
    kind: b.reader,
    settings: b,
    transports: d.transports,
    clock: d.clock,
    log: d.logger.child({ module: "badge", reader: b.id }),
    onBadge: (e) => emit("badgeRead", e),
    onBadRead: (e) => emit("badgeBadRead", e),
    onFault: (e) => emit("deviceFault", e),
    onRecovered: (e) => emit("deviceRecovered", e),
  });
}
