import { Indicator } from "../../devices/indicator/indicator.js";
import { BinaryInput } from "../../devices/lock/binary-input.js";
import { GpioLockRelay } from "../../devices/lock/lock-relay.js";
import type { BusEvents, Clock, DeviceEvents, GpioLine, Transports } from "../../devices/types.js";
import { AccessService } from "../access/access-service.js";
import type { AuditEntry, AuditRecord } from "../audit/audit-log.js";
import type { DoorSettings, GpioLineSettings, ReaderSettings } from "../config/door-schema.js";
import type { Settings } from "../config/schema.js";
import { type CredentialReaders, type ReaderEmit, startCredentialReaders } from "../credential-readers.js";
import type { EventBus } from "../events/event-bus.js";
import type { Logger } from "../logger.js";
import type { OsdpBuses } from "../osdp/osdp-buses.js";
import { createDoorPolicy, type DoorPolicy } from "../policy/policy-services.js";
import type { CredentialHasher } from "../secrets/credential-hasher.js";
import type { DoorRules } from "../site/door-rules.js";
import { readerDirection } from "../site/site-config.js";
import { doorKv } from "../store/door-state.js";
import type { Db } from "../store/open-database.js";
import type { UserStore } from "../store/user-store.js";
import type { DeviceHealth } from "../supervision/device-health.js";
import { DeviceSupervisor } from "../supervision/device-supervisor.js";
import type { StorageGuard } from "../supervision/storage-guard.js";
import { AbsentLine } from "./absent-line.js";
import { DoorController } from "./door-controller.js";

export interface DoorUnitDeps {
  door: DoorSettings;
  settings: Settings;
  transports: Transports;
  clock: Clock;
  logger: Logger;
  bus: EventBus<BusEvents>;
  health: DeviceHealth;
  /**
   * The config lists its doors (`doors:`): device names carry the door ("vault/lock") and audit
   * rows of a reader carry its id in detail.reader. A single-door file keeps today's names and
   * rows (its readers are named after their credential kind, which each row already says).
   */
  listed: boolean;
}

/** What every door shares, opened by the app once the relays are locked. */
export interface SharedServices {
  db: Db;
  users: UserStore;
  hasher: CredentialHasher;
  storage: StorageGuard;
  /** The rules that span doors (access levels, interlocks, anti-passback): one service for all units. */
  rules?: DoorRules;
  /** Every OSDP bus of the controller (several doors' readers may share one port). */
  osdp: OsdpBuses;
}

const STOPPED = "door unit not started";

/**
 * Everything of one door: its lines (relay, contact, REX, indicator), its readers, its door
 * state machine, access service, mode, lockouts, two-person state and its kv namespace
 * (`door:<id>:`). Its devices' events reach the shared bus stamped `{door, reader}`; it takes
 * only its own door's events back. Two phases so every relay of the controller is driven locked
 * before anything else is opened: lock(), then start() with the shared services; stop() in
 * reverse, leaving the relay locked.
 */
export class DoorUnit {
  readonly id: string;
  private relay: GpioLockRelay | null = null;
  private readonly stopSteps: Array<() => Promise<void> | void> = [];
  private parts: {
    door: DoorController;
    access: AccessService;
    policy: DoorPolicy;
    indicator: Indicator;
    credentials: CredentialReaders;
  } | null = null;
  private credentials: CredentialReaders | null = null;
  private readonly log: Logger;

  constructor(private readonly deps: DoorUnitDeps) {
    this.id = deps.door.id;
    this.log = deps.logger.child({ module: "door", door: this.id });
  }

  get settings(): DoorSettings {
    return this.deps.door;
  }
  /** Whether start() has built the door's parts (the rules read door states only then). */
  get started(): boolean {
    return this.parts !== null;
  }
  get door(): DoorController {
    return this.require().door;
  }
  get access(): AccessService {
    return this.require().access;
  }
  get policy(): DoorPolicy {
    return this.require().policy;
  }
  get indicator(): Indicator {
    return this.require().indicator;
  }
  get readers(): CredentialReaders {
    return this.require().credentials;
  }

  /** The health name of one of this door's devices. */
  deviceName(device: string): string {
    return this.deps.listed ? `${this.id}/${device}` : device;
  }

  /** Phase 1: the lock output, driven locked before anything else can go wrong. */
  async lock(): Promise<void> {
    const { door, clock } = this.deps;
    const relayLine = await this.deps.transports.gpio.open(door.gpio.relay.line, "out", {
      activeLow: door.gpio.relay.active_low,
    });
    const relay = new GpioLockRelay(relayLine, clock, door.door.max_unlock_ms, (err) =>
      this.log.error({ err }, "relay failed to relock"),
    );
    this.relay = relay;
    this.relayLine = relayLine;
    await relay.lock();
  }

  private relayLine: GpioLine | null = null;

  /** Phase 2: the door's state machine, policy, access service, inputs, supervision and readers. */
  async start(shared: SharedServices): Promise<void> {
    const { settings, clock, bus, health } = this.deps;
    const relay = this.relay;
    const relayLine = this.relayLine;
    if (!relay || !relayLine)
      throw new Error("lock() first: the relay is driven locked before anything else");
    const timings = this.deps.door.door;
    const g = this.deps.door.gpio;
    const { storage } = shared;
    let accessRef: AccessService | null = null;
    /** This door, and on a listed config the reader whose attempt is being handled. */
    const stamp = (entry: AuditEntry): AuditEntry => {
      const reader = this.deps.listed ? accessRef?.currentReader() : null;
      if (!reader) return { ...entry, door: this.id };
      return { ...entry, door: this.id, detail: { ...entry.detail, reader } };
    };
    const record = (entry: AuditEntry): AuditRecord => storage.record(stamp(entry));
    /** For events where the door must act whatever happens (it is already open, or forced). */
    const recordSafely = (entry: AuditEntry): void => storage.recordOrQueue(stamp(entry));

    const door = new DoorController(
      relay,
      clock,
      {
        unlockMs: timings.unlock_ms,
        heldOpenMs: timings.held_open_s * 1000,
        relockGraceMs: timings.relock_grace_ms,
        holdPulseMs: timings.max_unlock_ms,
      },
      recordSafely,
    );
    const indicator = new Indicator(
      {
        green: await this.openOutput(g.led_green),
        red: await this.openOutput(g.led_red),
        buzzer: await this.openOutput(g.buzzer),
      },
      clock,
      (err) => this.log.warn({ err }, "indicator output failed"),
    );
    const policy = createDoorPolicy({
      doorId: this.id,
      settings,
      db: shared.db,
      door,
      clock,
      recordSafely,
      log: this.log,
    });
    const access = new AccessService({
      rules: shared.rules,
      doorId: this.id,
      readerDirection: (reader) => readerDirection(settings, this.deps.door, reader),
      policy: policy.engine,
      onGranted: (nowMs) => void policy.mode.granted(nowMs),
      users: shared.users,
      hasher: shared.hasher,
      kv: doorKv(shared.db, this.id),
      door,
      indicator,
      clock,
      record,
      recordAll: (entries, alongside) => storage.recordAll(entries.map(stamp), alongside),
      recordEgress: (entry) => storage.recordEgress(stamp(entry)),
      recordOrQueue: recordSafely,
      listenersAfter: (action) => storage.listenersAfter(action),
      onError: (context, err) => this.log.error({ err, context }, "attempt failed; door left locked"),
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
      sensorFeedback: (pattern) => this.credentials?.fingerprint?.feedback(pattern),
    });
    accessRef = access;
    // Runs after the readers and inputs are stopped (steps run in reverse).
    this.stopSteps.push(async () => {
      await access.idle();
      await door.stop();
    });

    // Inputs: the contact's first reading tells whether the door is already open.
    const contactLine = await this.openInput(g.door_contact);
    const rexLine = await this.openInput(g.rex);
    const source = { door: this.id, reader: null };
    const contact = new BinaryInput(contactLine, (open, atMs) =>
      bus.emit("doorContactChanged", { open, atMs, ...source }),
    );
    const rex = new BinaryInput(rexLine, (pressed, atMs) => {
      if (pressed) bus.emit("exitRequested", { atMs, ...source });
    });
    await door.start(await contact.start());
    await rex.start();
    this.stopSteps.push(
      () => contact.stop(),
      () => rex.stop(),
      () => indicator.stop(),
    );
    this.listen(door, access, indicator, recordSafely);

    access.start();
    this.stopSteps.push(() => access.stop());
    await policy.start();
    this.stopSteps.push(() => policy.stop());

    // Supervision: health per device, relay and inputs read back every second, door fault policy.
    const supervisor = new DeviceSupervisor({
      bus,
      doorId: this.id,
      deviceName: (d) => this.deviceName(d),
      clock,
      health,
      door,
      probedLines: { lock: relayLine, door_contact: contactLine, rex: rexLine },
      // Every configured device is listed from the start, not only after its first fault.
      otherDevices: this.deps.door.readers.map((r) => this.readerDevice(r)),
    });
    supervisor.start();
    this.stopSteps.push(() => supervisor.stop());

    // Credential readers last: by now every attempt has somewhere safe to go.
    const credentials = await startCredentialReaders({
      readers: this.deps.door.readers,
      transports: this.deps.transports,
      clock,
      logger: this.deps.logger,
      db: shared.db,
      users: shared.users,
      record: recordSafely,
      emitFor: (reader) => this.emitFor(reader),
      onLineOpened: (close) => this.stopSteps.push(close),
    });
    this.credentials = credentials;
    this.stopSteps.push(() => credentials.stop());
    this.attachOsdpReaders(shared.osdp, indicator, recordSafely);
    this.parts = { door, access, policy, indicator, credentials };
  }

  /**
   * This door's OSDP readers onto the shared buses (polled once every door has attached): cards
   * and keys take the same path as every other reader's, tamper and power are audit rows, and the
   * door's feedback is mirrored on each reader's own LED and buzzer.
   */
  private attachOsdpReaders(
    osdp: OsdpBuses,
    indicator: Indicator,
    recordSafely: (entry: AuditEntry) => void,
  ): void {
    const mine = this.deps.door.readers.filter((r) => r.kind === "osdp");
    if (mine.length === 0) return;
    for (const settings of mine) {
      const emit = this.emitFor(settings);
      const device = this.readerDevice(settings);
      const via = this.deps.listed ? { reader: settings.id } : {};
      osdp.attach({
        settings,
        device,
        sink: {
          badgeRead: (e) => emit("badgeRead", e),
          badgeBadRead: (e) => emit("badgeBadRead", e),
          keyPressed: (e) => emit("keyPressed", e),
          deviceFault: (e) => emit("deviceFault", e),
          deviceRecovered: (e) => emit("deviceRecovered", e),
        },
        extra: {
          tamper: ({ active }) =>
            recordSafely({
              kind: "system",
              reason: active ? "tamper" : "tamper_cleared",
              detail: { device, ...via },
            }),
          power: ({ failed }) =>
            recordSafely({
              kind: "system",
              reason: failed ? "power_failure" : "power_restored",
              detail: { device, ...via },
            }),
          identity: ({ identity }) => this.log.info({ device, identity }, "OSDP reader identified"),
        },
      });
    }
    this.stopSteps.push(
      indicator.onShow((pattern) => {
        if (pattern !== "granted" && pattern !== "denied" && pattern !== "locked_out" && pattern !== "fault")
          return;
        for (const r of mine) osdp.reader(r.id)?.feedback(pattern);
      }),
    );
  }

  /** Reverse order; every step runs even if one before it fails, so the lock is always driven. */
  async stop(): Promise<void> {
    for (const step of this.stopSteps.reverse().splice(0)) {
      try {
        await step();
      } catch (err) {
        this.log.error({ err }, "stop step failed");
      }
    }
  }

  /** Closes the relay line, the very last step: it was driven locked by the door's stop. */
  async closeRelay(): Promise<void> {
    const line = this.relayLine;
    this.relayLine = null;
    await line?.close();
  }

  /** Drives the relay locked at once (see App.emergencyLock); true if it was done synchronously. */
  emergencyLock(): boolean {
    const relay = this.relay;
    if (!relay) return false;
    if (relay.lockSync) {
      try {
        relay.lockSync();
        return true;
      } catch (err) {
        this.log.error({ err }, "synchronous relock failed");
      }
    }
    relay.lock().catch((err) => this.log.error({ err }, "emergency relock failed"));
    return false;
  }

  /** The health name of a reader: today's driver names on a single-door file, door/reader otherwise. */
  readerDevice(r: ReaderSettings): string {
    if (this.deps.listed) return this.deviceName(r.id);
    if (r.kind === "osdp") return `osdp:${r.id}`;
    return r.kind === "badge" ? "badge_reader" : r.kind;
  }

  /** A reader's driver events onto the bus, stamped with this door and the reader. */
  private emitFor(reader: ReaderSettings): ReaderEmit {
    const { bus } = this.deps;
    const device = this.readerDevice(reader);
    return <K extends keyof DeviceEvents>(event: K, payload: DeviceEvents[K]) => {
      const renamed = "device" in payload && this.deps.listed ? { ...payload, device } : payload;
      bus.emit(event, { ...renamed, door: this.id, reader: reader.id } as BusEvents[K]);
    };
  }

  /** This door's events from the shared bus into its door controller and access service. */
  private listen(
    door: DoorController,
    access: AccessService,
    indicator: Indicator,
    recordSafely: (entry: AuditEntry) => void,
  ): void {
    const { bus } = this.deps;
    const mine = <K extends keyof BusEvents>(event: K, handler: (e: BusEvents[K]) => void) =>
      this.stopSteps.push(
        bus.on(event, (e) => {
          if (e.door === this.id) handler(e);
        }),
      );
    /** Which reader a row came from, on a listed config (see DoorUnitDeps.listed). */
    const via = (reader: string | null) => (this.deps.listed && reader ? { reader } : {});
    mine("doorContactChanged", ({ open, atMs }) => door.contactChanged(open, atMs));
    mine("exitRequested", () => access.exitRequested());
    mine("keyPressed", ({ key, atMs, reader }) => access.keyPressed(key, atMs, reader));
    mine("fingerMatched", ({ slot, reader }) => access.fingerMatched(slot, reader));
    mine("fingerUnknown", ({ reader }) => access.fingerUnknown(reader));
    mine("badgeRead", ({ number, reader }) => access.badgeRead(number, reader));
    mine("badgeBadRead", ({ format, detail, reader }) => access.badgeBadRead(format, detail, reader));
    mine("deviceFault", ({ device, detail, reader }) => {
      this.log.warn({ device, detail }, "device fault");
      recordSafely({ kind: "system", reason: "fault", detail: { device, detail, ...via(reader) } });
      indicator.show("fault");
    });
    mine("keypadOverflow", ({ atMs, device, reader }) => {
      this.log.warn("keypad FIFO overflowed: the PIN being typed is discarded");
      recordSafely({ kind: "system", reason: "keypad_overflow", detail: { device, ...via(reader) } });
      // The survivors are a prefix of what was typed: '*' (the keypad's own "clear") drops it, in
      // order after them, so a '#' typed next cannot submit a truncated PIN.
      access.keyPressed("*", atMs, reader);
      indicator.show("denied");
    });
    mine("deviceRecovered", ({ device, reader }) => {
      this.log.info({ device }, "device recovered");
      recordSafely({ kind: "system", reason: "recovered", detail: { device, ...via(reader) } });
    });
  }

  private async openOutput(line: GpioLineSettings | null): Promise<GpioLine> {
    if (line === null) return new AbsentLine();
    const gpioLine = await this.deps.transports.gpio.open(line.line, "out", { activeLow: line.active_low });
    this.stopSteps.push(() => gpioLine.close());
    return gpioLine;
  }

  private async openInput(line: GpioLineSettings): Promise<GpioLine> {
    const gpioLine = await this.deps.transports.gpio.open(line.line, "in", {
      activeLow: line.active_low,
      debounceMs: line.debounce_ms,
    });
    this.stopSteps.push(() => gpioLine.close());
    return gpioLine;
  }

  private require(): NonNullable<DoorUnit["parts"]> {
    if (!this.parts) throw new Error(STOPPED);
    return this.parts;
  }
}
