import { join } from "node:path";
import type { BusEvents, Clock, Transports } from "../devices/types.js";
import type { AccessService } from "./access/access-service.js";
import { LocalTimeConverter } from "./access/local-time.js";
import { type AuditEntry, AuditLog } from "./audit/audit-log.js";
import { doorsOf } from "./config/doors.js";
import type { Settings } from "./config/schema.js";
import type { CredentialReaders } from "./credential-readers.js";
import { DoorCommands } from "./door/door-commands.js";
import type { DoorController } from "./door/door-controller.js";
import { DoorUnit } from "./door/door-unit.js";
import { EventBus } from "./events/event-bus.js";
import type { Logger } from "./logger.js";
import { MqttBridge } from "./mqtt/mqtt-bridge.js";
import { OsdpBuses } from "./osdp/osdp-buses.js";
import { OsdpKeyStore } from "./osdp/osdp-key-store.js";
import { OsdpReaderStatusStore, OsdpStatusRecorder } from "./osdp/reader-status.js";
import { createRetention, type PolicyServices, policyServices } from "./policy/policy-services.js";
import { CredentialHasher } from "./secrets/credential-hasher.js";
import { loadCredentialKey } from "./secrets/credential-key.js";
import { loadOrCreateDeviceKey } from "./secrets/device-key.js";
import { createSiteRules, type SiteRulesParts } from "./site/create-site-rules.js";
import { siteRulesConfig } from "./site/site-config.js";
import { secureDataDir, touchPrivate } from "./store/data-dir.js";
import { moveSingleDoorState } from "./store/door-state.js";
import { acquireInstanceLock } from "./store/instance-lock.js";
import { type Db, openDatabase } from "./store/open-database.js";
import { UserStore } from "./store/user-store.js";
import { WalCheckpointer } from "./store/wal-checkpointer.js";
import { DeviceHealth } from "./supervision/device-health.js";
import { StorageGuard } from "./supervision/storage-guard.js";

export interface AppDeps {
  settings: Settings;
  transports: Transports;
  clock: Clock;
  logger: Logger;
}

export interface App {
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly settings: Settings;
  /** Device events of every door, each stamped with its door and reader. */
  readonly bus: EventBus<BusEvents>;
  /** Available after start(). */
  readonly services: Services;
  /**
   * Drives the relay locked at once, for exit handlers: synchronously where the output allows it
   * (returns true), else an async write is started and false returned. Safe before start().
   */
  emergencyLock(): boolean;
}

export interface Services {
  db: Db;
  users: UserStore;
  hasher: CredentialHasher;
  audit: AuditLog;
  /** Every door, in config order; a single-door file has one. */
  units: DoorUnit[];
  /** The first door's parts, for the code (and tests) that know one door. */
  door: DoorController;
  access: AccessService;
  policy: PolicyServices;
  /** Unlock once, lock and mode switches of every door, keyed by door id: the one way the CLI, page and MQTT reach a door. */
  commands: DoorCommands;
  /** The rules that span doors: access levels, interlocks, anti-passback, occupancy. */
  site: SiteRulesParts;
  mqtt: MqttBridge | null;
  credentials: CredentialReaders;
  /** ok / degraded / failed per device, for `status` and MQTT state. */
  health: DeviceHealth;
  /** Folds the WAL into the database on a timer, between attempts (tests that count commits pause it). */
  checkpointer: WalCheckpointer;
}

export function databasePath(settings: Settings): string {
  return join(settings.data_dir, "doorward.db");
}

export function deviceSecretPath(settings: Settings): string {
  return join(settings.data_dir, "secret.key");
}

/** The door of this id, or an error naming the doors there are. */
export function unitOf(services: Services, doorId: string): DoorUnit {
  const unit = services.units.find((u) => u.id === doorId);
  if (!unit)
    throw new Error(`no such door '${doorId}' (doors: ${services.units.map((u) => u.id).join(", ")})`);
  return unit;
}

/**
 * The composition of one controller: the shared services (store, audit log, MQTT) and one
 * DoorUnit per configured door. start() brings parts up in dependency order, every relay first
 * of all; stop() takes them down in reverse and leaves every relay driven locked.
 */
export function createApp({ settings, transports, clock, logger }: AppDeps): App {
  const log = logger.child({ module: "app" });
  const bus = new EventBus<BusEvents>((event, err) => log.error({ err, event }, "event listener failed"));
  let services: Services | null = null;
  const health = new DeviceHealth(clock);
  const stopSteps: Array<() => Promise<void> | void> = [];
  const units = doorsOf(settings).map(
    (door) =>
      new DoorUnit({
        door,
        settings,
        transports,
        clock,
        logger,
        bus,
        health,
        listed: settings.doors !== null,
      }),
  );
  const first = units[0] as DoorUnit;

  async function start(): Promise<void> {
    // 0. One service per data_dir, decided before any hardware is touched: a second instance
    // would drive the same relay and decide against its own stale state. data_dir is 0700 and
    // everything in it 0600, whatever a restore or an older version left behind.
    const tightened = secureDataDir(settings.data_dir);
    if (tightened.length > 0)
      log.warn(
        { paths: tightened.map((p) => p.path) },
        "data_dir permissions were too open; set to 0700/0600",
      );
    const instance = acquireInstanceLock(settings.data_dir, { door: settings.door_id, nowMs: clock.now() });
    stopSteps.push(() => instance.release());

    // 1. Every door's lock output, driven locked before anything else can go wrong; its line is
    // the last thing closed.
    for (const unit of units) {
      stopSteps.push(() => unit.closeRelay());
      await unit.lock();
    }

    // 2. Durable state. A database that cannot open stops start-up with the doors locked.
    touchPrivate(databasePath(settings)); // its -wal and -shm get the same 0600
    const db = openDatabase(databasePath(settings));
    stopSteps.push(() => {
      db.close();
    });
    // Checkpoints between attempts, never inside an attempt's commit (see wal-checkpointer.ts).
    const checkpointer = new WalCheckpointer(db, clock, {
      failed: (err, failedTicks) => log.warn({ err, failed_ticks: failedTicks }, "WAL checkpoint failed"),
      recovered: (failedTicks) => log.info({ failed_ticks: failedTicks }, "WAL checkpoints work again"),
    });
    checkpointer.start();
    stopSteps.push(() => checkpointer.stop());
    // A database of the single-door version keeps its mode and lockouts, now the first door's.
    const moved = moveSingleDoorState(db, first.id, settings.doors !== null);
    if (moved > 0) log.info({ moved, door: first.id }, "single-door state moved under the door's namespace");
    const audit = new AuditLog(db, first.id);
    const users = new UserStore(db);
    const credentialKey = loadCredentialKey(settings);
    // The device's Ed25519 key, created at first start: it signs the chain head (log head, P/head).
    const deviceKey = loadOrCreateDeviceKey(settings.data_dir);
    const hasher = new CredentialHasher(credentialKey);
    // Every audit write of the service goes through the guard: one meaning of a write failure
    // per kind of row (attempt: door stays locked; exit: released anyway; event: queued).
    const storage = new StorageGuard({
      audit,
      clock,
      health,
      onError: (context, err) => log.error({ err, context }, "audit log cannot be written; storage failed"),
    });
    stopSteps.push(() => storage.stop());
    /** For events that happen whatever the log says (the controller started, stopped). */
    const recordSafely = (entry: AuditEntry): void => storage.recordOrQueue(entry);
    // The MQTT bridge stops after the last row below (steps run in reverse), so a clean stop
    // publishes `controller_stopped` before the bridge announces `offline`.
    stopSteps.push(() => services?.mqtt?.stop());
    // Runs after every door unit has stopped (steps run in reverse), before the database closes.
    stopSteps.push(() => {
      recordSafely({ kind: "system", reason: "controller_stopped" });
      health.stop();
    });
    const retention = createRetention({ settings, db, audit, clock, log });
    // The rules that span doors: one service every unit consults; it reads door states only
    // through this provider (a unit not started yet has its relay driven locked: locked, closed).
    const siteConfig = siteRulesConfig(settings);
    const site = createSiteRules({
      db,
      config: siteConfig,
      local: new LocalTimeConverter(settings.policy.timezone),
      scheduleOpen: (id, nowMs) => first.policy.engine.scheduleIdOpen(id, nowMs),
      doorState: (id) => {
        const unit = units.find((u) => u.id === id);
        if (!unit?.started) return unit ? { unlocked: false, open: false, emergency: false } : undefined;
        const s = unit.door.status();
        return {
          unlocked: s.lock === "unlocked",
          open: s.door === "open",
          emergency: unit.door.holdReason === "emergency_unlock",
        };
      },
    });
    // Occupancy is rebuilt from the log now, not at the first attempt (which must not wait for it).
    site.occupancy.catchUp(clock.now());

    // 3. The doors, in config order: each its state machine, policy, inputs, supervision, readers.
    // A unit that fails half-way is stopped like the others: what it opened is closed again.
    const osdp = new OsdpBuses({
      transports,
      clock,
      logger: logger.child({ module: "osdp" }),
      keys: new OsdpKeyStore(settings.data_dir),
      status: new OsdpStatusRecorder(new OsdpReaderStatusStore(db), logger.child({ module: "osdp" })),
    });
    for (const unit of units) {
      stopSteps.push(() => unit.stop());
      await unit.start({ db, users, hasher, storage, rules: site.rules, osdp });
    }
    // Every door has attached its OSDP readers: open the ports and poll. Stopped first of all
    // (steps run in reverse), so no read reaches a door that is going away.
    stopSteps.push(() => osdp.stop());
    await osdp.start();
    retention.start(settings.policy.retention_check_s * 1000);
    stopSteps.push(() => retention.stop());
    const policy = policyServices(first.policy, retention, settings.policy.retention_check_s * 1000);
    const commands = new DoorCommands(
      audit,
      clock,
      new Map(
        units.map((unit) => [
          unit.id,
          {
            modes: unit.policy.store,
            live: {
              unlockOnce: (detail: Record<string, unknown>) => unit.access.remoteUnlock(detail),
              lock: () => unit.door.lock(),
              holdReason: () => unit.door.holdReason,
              applyMode: () => unit.policy.mode.apply(),
            },
          },
        ]),
      ),
    );
    services = {
      site,
      commands,
      db,
      users,
      hasher,
      audit,
      units,
      door: first.door,
      access: first.access,
      policy,
      // The door with the fingerprint sensor (one per controller), for enrolment and the demo.
      credentials: (units.find((u) => u.readers.fingerprint !== null) ?? first).readers,
      mqtt: null,
      health,
      checkpointer,
    };
    // 4. MQTT bridge (optional): observes the audit log and the doors, requests through DoorCommands.
    if (settings.mqtt.enabled) {
      const mqttBridge = new MqttBridge({
        settings,
        db,
        audit,
        door: first.door,
        doors: units.map((unit) => ({ id: unit.id, door: unit.door })),
        clock,
        logger,
        credentialKey,
        deviceKey,
        health,
        commands,
        // Who is inside the first door's room, when it records leaving (an out reader).
        // Each door that tracks who is inside (a reader with direction out) reports its count.
        occupancy: (door: string) =>
          siteConfig.doors.find((d) => d.id === door)?.tracksOccupancy
            ? site.occupancy.occupants(door, clock.now()).length
            : null,
      });
      mqttBridge.start();
      services.mqtt = mqttBridge;
    }

    recordSafely({ kind: "system", reason: "controller_started" });
    log.info({ doors: units.map((u) => u.id) }, "ready and locked");
  }

  async function stop(): Promise<void> {
    // Reverse order; every step runs even if one before it fails, so the locks are always driven.
    for (const step of stopSteps.reverse().splice(0)) {
      try {
        await step();
      } catch (err) {
        log.error({ err }, "stop step failed");
      }
    }
  }

  /** Every door's relay, even if one of them throws. */
  function emergencyLock(): boolean {
    let allSync = units.length > 0;
    for (const unit of units) {
      try {
        if (!unit.emergencyLock()) allSync = false;
      } catch (err) {
        allSync = false;
        log.error({ err, door: unit.id }, "emergency relock failed");
      }
    }
    return allSync;
  }

  return {
    start,
    stop,
    emergencyLock,
    settings,
    bus,
    get services(): Services {
      if (!services) throw new Error("app not started");
      return services;
    },
  };
}
