import { R503Fingerprint } from "../devices/fingerprint/r503-driver.js";
import type { Clock, DeviceEvents, Transports } from "../devices/types.js";
import type { AccessService } from "./access/access-service.js";
import type { AuditEntry } from "./audit/audit-log.js";
import { BadgeReaderService } from "./badge/badge-reader-service.js";
import { badgeReaderKind } from "./config/badge-schema.js";
import { fingerprintEnabled } from "./config/fingerprint-schema.js";
import type { Settings } from "./config/schema.js";
import type { EventBus } from "./events/event-bus.js";
import { FingerprintService } from "./fingerprint/fingerprint-service.js";
import type { Logger } from "./logger.js";
import type { Db } from "./store/open-database.js";
import { SensorRequestStore } from "./store/sensor-request-store.js";
import type { UserStore } from "./store/user-store.js";

export interface CredentialReaders {
  /** null when the fingerprint sensor is disabled. */
  fingerprint: FingerprintService | null;
  fingerprintDriver: R503Fingerprint | null;
  /** null when no badge reader is configured. */
  badges: BadgeReaderService | null;
  stop(): Promise<void>;
}

export interface CredentialReaderDeps {
  settings: Settings;
  transports: Transports;
  clock: Clock;
  logger: Logger;
  bus: EventBus<DeviceEvents>;
  db: Db;
  users: UserStore;
  access: AccessService;
  /** Never throws. */
  record: (entry: AuditEntry) => void;
}

/**
 * The fingerprint sensor and the badge reader, wired to the bus like the keypad: driver events
 * go on the bus, the access service takes attempts from it, faults become `fault` audit rows
 * through app.ts's deviceFault listener. A reader that is absent at start-up is a fault the
 * driver keeps retrying; it never stops the controller from starting.
 */
export async function startCredentialReaders(d: CredentialReaderDeps): Promise<CredentialReaders> {
  const { settings, bus, clock } = d;
  const faults = {
    deviceFault: (e: DeviceEvents["deviceFault"]) => bus.emit("deviceFault", e),
    deviceRecovered: (e: DeviceEvents["deviceRecovered"]) => bus.emit("deviceRecovered", e),
  };
  const off = [
    bus.on("fingerMatched", ({ slot }) => d.access.fingerMatched(slot)),
    bus.on("fingerUnknown", () => d.access.fingerUnknown()),
    bus.on("badgeRead", ({ number }) => d.access.badgeRead(number)),
    bus.on("badgeBadRead", ({ format, detail }) => d.access.badgeBadRead(format, detail)),
  ];

  let fingerprint: FingerprintService | null = null;
  let fingerprintDriver: R503Fingerprint | null = null;
  if (fingerprintEnabled(settings)) {
    const f = settings.fingerprint;
    const log = d.logger.child({ module: "fingerprint" });
    fingerprintDriver = new R503Fingerprint({
      clock,
      opener: d.transports.serial,
      path: f.port,
      baudRate: f.baud,
      password: f.password,
      commandTimeoutMs: f.command_timeout_ms,
      pollIntervalMs: f.poll_ms,
      events: {
        fingerMatched: (e) => bus.emit("fingerMatched", e),
        fingerUnknown: (e) => bus.emit("fingerUnknown", e),
        protocolError: ({ detail }) =>
          log.warn({ detail }, "fingerprint sensor protocol error; answer ignored"),
        ...faults,
      },
    });
    fingerprint = new FingerprintService({
      driver: fingerprintDriver,
      requests: new SensorRequestStore(d.db),
      users: d.users,
      record: d.record,
      clock,
      log,
      requestPollMs: f.request_poll_ms,
    });
    fingerprint.start();
  }

  const kind = badgeReaderKind(settings);
  let badges: BadgeReaderService | null = null;
  if (kind !== "none") {
    badges = new BadgeReaderService({
      kind,
      settings: settings.badge,
      transports: d.transports,
      clock,
      log: d.logger.child({ module: "badge" }),
      onBadge: (e) => bus.emit("badgeRead", e),
      onBadRead: (e) => bus.emit("badgeBadRead", e),
      onFault: faults.deviceFault,
      onRecovered: faults.deviceRecovered,
    });
    await badges.start();
  }

  return {
    fingerprint,
    fingerprintDriver,
    badges,
    async stop() {
      for (const unsubscribe of off) unsubscribe();
      await badges?.stop();
      await fingerprint?.stop();
    },
  };
}
