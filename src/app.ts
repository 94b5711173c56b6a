import { join } from "node:path";
import { Indicator } from "../devices/indicator/indicator.js";
import type { Keypad } from "../devices/keypad/keypad.js";
import { Pcf8574Keypad } from "../devices/keypad/pcf8574-keypad.js";
import { Tca8418Keypad } from "../devices/keypad/tca8418-keypad.js";
import { BinaryInput } from "../devices/lock/binary-input.js";
import { GpioLockRelay } from "../devices/lock/lock-relay.js";
import type { Clock, DeviceEvents, GpioLine, Transports } from "../devices/types.js";
import { AccessService } from "./access/access-service.js";
import { type AuditEntry, AuditLog, type AuditRecord } from "./audit/audit-log.js";
import { badgeReaderKind } from "./config/badge-schema.js";
import { fingerprintEnabled } from "./config/fingerprint-schema.js";
import type { Settings } from "./config/schema.js";
import { type CredentialReaders, startCredentialReaders } from "./credential-readers.js";
import { DoorCommands } from "./door/door-commands.js";
import { DoorController } from "./door/door-controller.js";
import { EventBus } from "./events/event-bus.js";
import type { Logger } from "./logger.js";
import { MqttBridge } from "./mqtt/mqtt-bridge.js";
import { createPolicyServices, type PolicyServices } from "./policy/policy-services.js";
import { CredentialHasher } from "./secrets/credential-hasher.js";
import { loadCredentialKey } from "./secrets/credential-key.js";
import { loadOrCreateDeviceKey } from "./secrets/device-key.js";
import { createSiteRules, type SiteRulesParts } from "./site/create-site-rules.js";
import { siteRulesConfig } from "./site/site-config.js";
import { secureDataDir, touchPrivate } from "./store/data-dir.js";
import { acquireInstanceLock } from "./store/instance-lock.js";
import { KeyValueStore } from "./store/key-value-store.js";
import { type Db, openDatabase } from "./store/open-database.js";
import { UserStore } from "./store/user-store.js";
import { DeviceHealth } from "./supervision/device-health.js";
import { DeviceSupervisor } from "./supervision/device-supervisor.js";
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
  readonly bus: EventBus<DeviceEvents>;
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
  door: DoorController;
  access: AccessService;
  policy: PolicyServices;
  /** The rules that span doors: access levels, interlocks, anti-passback, occupancy. */
  site: SiteRulesParts;
  /** The one way the page, MQTT (and, for modes, the CLI) reach the door. */
  commands: DoorCommands;
  mqtt: MqttBridge | null;
  credentials: CredentialReaders;
  /** ok / degraded / failed per device, for `status` and MQTT state. */
  health: DeviceHealth;
}

export function databasePath(settings: Settings): string {
  return join(settings.data_dir, "doorward.db");
}

export function deviceSecretPath(settings: Settings): string {
  return join(settings.data_dir, "secret.key");
}

/**
 * The composition of one controller. start() brings parts up in dependency order, the lock
 * first of all; stop() takes them down in reverse and leaves the lock driven locked.
 */
export function createApp({ settings, transports, clock, logger }: AppDeps): App {
  const log = logger.child({ module: "app" });
  const bus = new EventBus<DeviceEvents>((event, err) => log.error({ err, event }, "event listener failed"));
  let services: Services | null = null;
  let credentials: CredentialReaders | null = null;
  let lockRelay: GpioLockRelay | null = null;
  const health = new DeviceHealth(clock);
  const stopSteps: Array<() => Promise<void> | void> = [];

  async function openOutput(line: Settings["gpio"]["relay"]): Promise<GpioLine> {
    const gpioLine = await transports.gpio.open(line.line, "out", { activeLow: line.active_low });
    stopSteps.push(() => gpioLine.close());
    return gpioLine;
  }

  async function openInput(line: Settings["gpio"]["door_contact"]): Promise<GpioLine> {
    const gpioLine = await transports.gpio.open(line.line, "in", {
      activeLow: line.active_low,
      debounceMs: line.debounce_ms,
    });
    stopSteps.push(() => gpioLine.close());
    return gpioLine;
  }

  async function start(): Promise<void> {
    const g = settings.gpio;
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

    // 1. The lock output, driven locked before anything else can go wrong.
    const relayLine = await openOutput(g.relay);
    const relay = new GpioLockRelay(relayLine, clock, settings.door.max_unlock_ms, (err) =>
      log.error({ err }, "relay failed to relock"),
    );
    lockRelay = relay;
    await relay.lock();

    // 2. Durable state. A database that cannot open stops start-up with the door locked.
    touchPrivate(databasePath(settings)); // its -wal and -shm get the same 0600
    const db = openDatabase(databasePath(settings));
    stopSteps.push(() => {
      db.close();
    });
    const audit = new AuditLog(db, settings.door_id);
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
    const record = (entry: AuditEntry): AuditRecord => storage.record(entry);
    /** For events where the door must act whatever happens (it is already open, or forced). */
    const recordSafely = (entry: AuditEntry): void => storage.recordOrQueue(entry);

    const door = new DoorController(
      relay,
      clock,
      {
        unlockMs: settings.door.unlock_ms,
        heldOpenMs: settings.door.held_open_s * 1000,
        relockGraceMs: settings.door.relock_grace_ms,
        holdPulseMs: settings.door.max_unlock_ms,
      },
      recordSafely,
    );
    const indicator = new Indicator(
      {
        green: await openOutput(g.led_green),
        red: await openOutput(g.led_red),
        buzzer: await openOutput(g.buzzer),
      },
      clock,
      (err) => log.warn({ err }, "indicator output failed"),
    );
    // Records-room policy: schedules, modes, unlock schedule, retention (src/policy/).
    const policy = createPolicyServices({ settings, db, audit, door, clock, recordSafely, log });
    const site = createSiteRules({
      db,
      config: siteRulesConfig(settings),
      local: policy.engine.local,
      scheduleOpen: (id, nowMs) => policy.engine.scheduleIdOpen(id, nowMs),
      doorState: (id) => {
        if (id !== settings.door_id) return undefined;
        const s = door.status();
        return {
          unlocked: s.lock === "unlocked",
          open: s.door === "open",
          emergency: door.holdReason === "emergency_unlock",
        };
      },
    });
    // Occupancy is rebuilt from the log now, not at the first attempt (which must not wait for it).
    site.occupancy.catchUp(clock.now());
    const access = new AccessService({
      rules: site.rules,
      doorId: settings.door_id,
      policy: policy.engine,
      onGranted: (nowMs) => void policy.mode.granted(nowMs),
      users,
      hasher,
      kv: new KeyValueStore(db),
      door,
      indicator,
      clock,
      record,
      recordAll: (entries) => storage.recordAll(entries),
      recordEgress: (entry) => storage.recordEgress(entry),
      recordOrQueue: recordSafely,
      onError: (context, err) => log.error({ err, context }, "attempt failed; door left locked"),
      pinPolicy: {
        minLength: settings.pin.min_length,
        maxLength: settings.pin.max_length,
        interKeyTimeoutMs: settings.pin.inter_key_timeout_ms,
      },
      lockoutPolicy: {
        maxFailures: settings.lockout.max_failures,
        baseMs: settings.lockout.base_s * 1000,
        maxMs: settings.lockout.max_s * 1000,
      },
      factorPolicy: { mode: settings.access.mode, windowMs: settings.access.second_factor_window_s * 1000 },
      sensorFeedback: (pattern) => credentials?.fingerprint?.feedback(pattern),
    });
    const commands = new DoorCommands(
      audit,
      clock,
      new Map([
        [
          settings.door_id,
          {
            modes: policy.store,
            live: {
              unlockOnce: (detail) => access.remoteUnlock(detail),
              lock: () => door.lock(),
              holdReason: () => door.holdReason,
              applyMode: () => policy.mode.apply(),
            },
          },
        ],
      ]),
    );
    // `credentials` is filled in at step 6, once the readers exist; nothing reads it before start() returns.
    services = {
      db,
      users,
      hasher,
      audit,
      door,
      access,
      policy,
      site,
      commands,
      mqtt: null,
      health,
    } as Services;
    // The MQTT bridge stops after the last row below (steps run in reverse), so a clean stop
    // publishes `controller_stopped` before the bridge announces `offline`.
    stopSteps.push(() => services?.mqtt?.stop());
    // Runs after the readers and inputs are stopped (steps run in reverse), before the database closes.
    stopSteps.push(async () => {
      await access.idle();
      await door.stop();
      recordSafely({ kind: "system", reason: "controller_stopped" });
    });

    // 3. Inputs: the contact's first reading tells whether the door is already open.
    const contactLine = await openInput(g.door_contact);
    const rexLine = await openInput(g.rex);
    const contact = new BinaryInput(contactLine, (open, atMs) =>
      bus.emit("doorContactChanged", { open, atMs }),
    );
    const rex = new BinaryInput(rexLine, (pressed, atMs) => {
      if (pressed) bus.emit("exitRequested", { atMs });
    });
    await door.start(await contact.start());
    await rex.start();
    stopSteps.push(
      () => contact.stop(),
      () => rex.stop(),
      () => indicator.stop(),
    );

    bus.on("doorContactChanged", ({ open, atMs }) => door.contactChanged(open, atMs));
    bus.on("exitRequested", () => access.exitRequested());
    bus.on("keyPressed", ({ key, atMs }) => access.keyPressed(key, atMs));
    bus.on("deviceFault", ({ device, detail }) => {
      log.warn({ device, detail }, "device fault");
      recordSafely({ kind: "system", reason: "fault", detail: { device, detail } });
      indicator.show("fault");
    });
    bus.on("keypadOverflow", ({ atMs }) => {
      log.warn("keypad FIFO overflowed: the PIN being typed is discarded");
      recordSafely({ kind: "system", reason: "keypad_overflow", detail: { device: "keypad" } });
      // The survivors are a prefix of what was typed: '*' (the keypad's own "clear") drops it, in
      // order after them, so a '#' typed next cannot submit a truncated PIN.
      access.keyPressed("*", atMs);
      indicator.show("denied");
    });
    bus.on("deviceRecovered", ({ device }) => {
      log.info({ device }, "device recovered");
      recordSafely({ kind: "system", reason: "recovered", detail: { device } });
    });

    access.start();
    stopSteps.push(() => access.stop());
    await policy.start();
    stopSteps.push(() => policy.stop());

    // Supervision: health per device, relay and inputs read back every second, door fault policy.
    const supervisor = new DeviceSupervisor({
      bus,
      clock,
      health,
      door,
      probedLines: { lock: relayLine, door_contact: contactLine, rex: rexLine },
      // Every configured device is listed from the start, not only after its first fault.
      otherDevices: [
        "keypad",
        ...(fingerprintEnabled(settings) ? ["fingerprint"] : []),
        ...(badgeReaderKind(settings) !== "none" ? ["badge_reader"] : []),
      ],
    });
    supervisor.start();
    stopSteps.push(() => supervisor.stop());

    // 4. Credential readers last: by now every attempt has somewhere safe to go.
    const keypad = await createKeypad();
    await keypad.start();
    stopSteps.push(() => keypad.stop());

    // 5. Fingerprint sensor and badge reader (src/credential-readers.ts).
    credentials = await startCredentialReaders({
      settings,
      transports,
      clock,
      logger,
      bus,
      db,
      users,
      access,
      record: recordSafely,
    });
    services.credentials = credentials;
    stopSteps.push(() => credentials?.stop());
    // 6. MQTT bridge (optional): observes the audit log and the door, requests through the access service.
    if (settings.mqtt.enabled) {
      const mqttBridge = new MqttBridge({
        settings,
        db,
        audit,
        door,
        clock,
        logger,
        credentialKey,
        deviceKey,
        health,
        commands,
      });
      mqttBridge.start();
      services.mqtt = mqttBridge;
    }

    recordSafely({ kind: "system", reason: "controller_started" });
    log.info({ door: settings.door_id }, "ready and locked");
  }

  /** The configured keypad controller; a TCA8418 with keypad.interrupt_gpio drains its FIFO on INT. */
  async function createKeypad(): Promise<Keypad> {
    const k = settings.keypad;
    const common = {
      bus: transports.i2c,
      clock,
      address: k.address,
      onKey: (e: DeviceEvents["keyPressed"]) => bus.emit("keyPressed", e),
      onFault: (e: DeviceEvents["deviceFault"]) => bus.emit("deviceFault", e),
      onRecovered: (e: DeviceEvents["deviceRecovered"]) => bus.emit("deviceRecovered", e),
      onOverflow: (e: DeviceEvents["keypadOverflow"]) => bus.emit("keypadOverflow", e),
    };
    if (k.driver === "pcf8574") return new Pcf8574Keypad({ ...common, scanMs: k.poll_ms });
    if (k.interrupt_gpio === null) return new Tca8418Keypad({ ...common, pollMs: k.poll_ms });
    // The raw, active-low INT pin: opened without inversion or debounce (the driver reads the level).
    const interrupt = await transports.gpio.open(k.interrupt_gpio, "in");
    stopSteps.push(() => interrupt.close());
    return new Tca8418Keypad({ ...common, pollMs: k.poll_ms, interrupt, interruptActiveLevel: 0 });
  }

  async function stop(): Promise<void> {
    // Reverse order; every step runs even if one before it fails, so the lock is always driven.
    for (const step of stopSteps.reverse().splice(0)) {
      try {
        await step();
      } catch (err) {
        log.error({ err }, "stop step failed");
      }
    }
  }

  function emergencyLock(): boolean {
    if (!lockRelay) return false;
    if (lockRelay.lockSync) {
      try {
        lockRelay.lockSync();
        return true;
      } catch (err) {
        log.error({ err }, "synchronous relock failed");
      }
    }
    lockRelay.lock().catch((err) => log.error({ err }, "emergency relock failed"));
    return false;
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
