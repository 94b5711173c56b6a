import type { KeyObject } from "node:crypto";
import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { Clock } from "../../devices/types.js";
import type { AuditEntry, AuditLog } from "../audit/audit-log.js";
import type { Settings } from "../config/schema.js";
import type { DoorController, DoorStatus } from "../door/door-controller.js";
import type { Logger } from "../logger.js";
import { KeyValueStore } from "../store/key-value-store.js";
import type { Db } from "../store/open-database.js";
import type { DeviceHealth } from "../supervision/device-health.js";
import { AllowlistApplier } from "./allowlist-sync.js";
import { connectFailureReason } from "./connect-failure.js";
import { mqttClientOptions } from "./connect-options.js";
import { EventOutbox, type EventPayload, haEventType } from "./event-outbox.js";
import { haDiscoveryMessages, haNodeId } from "./ha-discovery.js";
import { isOwnLegacyConfig, legacyDiscoveryFilter } from "./ha-legacy-discovery.js";
import { HeadPublisher } from "./head-publisher.js";
import { InboundHandler, type RemoteCommands } from "./inbound-handler.js";
import { ResendResponder, resendTopic } from "./resend-responder.js";
import { doorSubscriptions, refusesMqtt5 } from "./subscriptions.js";
import { doorTopicsOf, type MqttTopics, mqttTopics } from "./topics.js";
import { withTimeout } from "./with-timeout.js";

export interface MqttBridgeDeps {
  settings: Settings;
  db: Db;
  audit: AuditLog;
  door: Pick<DoorController, "status" | "onChange">;
  /** Every door of the controller (config order); absent = the one `door` above. */
  doors?: ReadonlyArray<{ id: string; door: Pick<DoorController, "status" | "onChange"> }>;
  clock: Clock;
  logger: Logger;
  /** Key for the Home Assistant unlock code hash (the credential key). */
  credentialKey: Buffer;
  /** Remote requests go through the door-command path (DoorCommands), like the page's. */
  commands: RemoteCommands;
  /** The device's Ed25519 key: signs the chain head published on `P/head` (none: no head). */
  deviceKey?: KeyObject;
  /** Device health: a failed `storage` (the audit log cannot be written) is reported in state faults. */
  health?: Pick<DeviceHealth, "get" | "onChange">;
  /** Test hook: connect options merged over the defaults (reconnect period, …). */
  clientOptions?: Partial<IClientOptions>;
}

/** Persist the cursor at least this often while a backlog drains (a crash re-sends at most this many). */
const CURSOR_SAVE_EVERY = 500;
/** Home Assistant hears only live events, not a backlog replayed after an outage. */
const HA_EVENT_MAX_AGE_MS = 60_000;
const POLL_MS = 2000;
const RESYNC_EVERY_MS = 30_000;
const STOP_DRAIN_MS = 2000;

/**
 * Bridges one controller to an MQTT broker. Observes and requests, never decides: events come
 * from audit_events (the outbox) and leave only on the broker's PUBACK; remote requests go
 * through the same services as a local credential. A broker that is down costs nothing at the
 * door: nothing on the access path waits for it.
 */
export class MqttBridge {
  readonly topics: MqttTopics;
  readonly doorTopics: Map<string, MqttTopics>;
  private readonly outbox: EventOutbox;
  private readonly allowlist: AllowlistApplier;
  private readonly inbound: InboundHandler;
  private readonly resend: ResendResponder;
  private readonly log: Logger;
  private client: MqttClient | null = null;
  private connected = false;
  private subscribed = false;
  /** Where this door's discovery configs lived under its old HA node id; cleared when found. */
  private readonly legacyDiscovery: string | null;
  private connections = 0;
  /** Bumped on every (re)connect; acks from an older connection are ignored. */
  private generation = 0;
  private cursor = 0;
  private savedCursor = 0;
  private sentUpTo = 0;
  private inFlight = 0;
  private readonly acked = new Set<number>();
  private pumpScheduled = false;
  private stopped = false;
  private unsubscribers: Array<() => void> = [];
  private cancelPoll: (() => void) | null = null;
  private ackWaiters: Array<() => void> = [];
  private readonly reportedFailures = new Set<string>();
  private lastResyncMs = Number.NEGATIVE_INFINITY;
  private readonly head: HeadPublisher | null;

  constructor(private readonly deps: MqttBridgeDeps) {
    this.topics = mqttTopics(deps.settings);
    // Per door: state, commands, Home Assistant; the first door's P also carries the controller's
    // event stream (one chain for every door), head and availability.
    this.doorTopics = doorTopicsOf(deps.settings);
    this.topics = [...this.doorTopics.values()][0] ?? this.topics;
    const { door_id, mqtt: m } = deps.settings;
    this.legacyDiscovery = m.home_assistant.discovery
      ? legacyDiscoveryFilter(door_id, haNodeId(door_id), m.home_assistant.discovery_prefix)
      : null;
    const kv = new KeyValueStore(deps.db);
    this.outbox = new EventOutbox(deps.db, kv);
    this.allowlist = new AllowlistApplier(deps.db, kv, deps.settings.mqtt.group);
    this.log = deps.logger.child({ module: "mqtt" });
    this.resend = new ResendResponder({
      outbox: this.outbox,
      publish: async (event) => {
        if (!this.client || !this.connected) throw new Error("not connected");
        await this.client.publishAsync(this.topics.event, JSON.stringify(event), { qos: 1 });
      },
      now: () => deps.clock.now(),
      log: this.log,
    });
    this.inbound = new InboundHandler({
      settings: deps.settings,
      db: deps.db,
      topics: this.topics,
      doorTopics: this.doorTopics,
      allowlist: this.allowlist,
      credentialKey: deps.credentialKey,
      clock: deps.clock,
      log: this.log,
      record: (entry) => this.record(entry),
      atomically: (change) => deps.audit.atomically(change),
      appendOrThrow: (entry) => void deps.audit.append(entry, deps.clock.now()),
      commands: deps.commands,
      publishState: () => this.publishState(),
      refetchSnapshot: () => this.refetchSnapshot(),
      requestResync: (have) => this.requestResync(have),
      publishDiscovery: () => this.publishDiscovery(),
    });
    const key = deps.deviceKey;
    this.head = key
      ? new HeadPublisher({
          db: deps.db,
          door: deps.settings.door_id,
          key,
          clock: deps.clock,
          publish: (payload) => {
            if (!this.connected || !this.client) return false;
            this.client.publish(this.topics.head, payload, { qos: 1, retain: true });
            return true;
          },
        })
      : null;
  }

  start(): void {
    this.cursor = this.savedCursor = this.sentUpTo = this.outbox.cursor();
    const s = this.deps.settings;
    const clientId = s.mqtt.client_id ?? `doorward-${s.door_id}`;
    // MQTT 5 for retain-as-published: only then can a retained command be told apart when it
    // reaches a door that is already subscribed (3.1.1 brokers clear the flag on live delivery).
    const opts = mqttClientOptions(
      s.mqtt,
      clientId,
      { topic: this.topics.availability, payload: "offline" },
      { protocolVersion: 5, ...this.deps.clientOptions },
    );
    // connect() returns at once and retries in the background: start-up never waits for a broker.
    const client = mqtt.connect(s.mqtt.url, opts);
    this.client = client;
    client.on("connect", () => this.onConnect());
    client.on("close", () => this.onClose());
    client.on("error", (err) => this.connectionError(err));
    client.on("message", (topic, payload, packet) => {
      if (topic === resendTopic(this.topics.prefix)) {
        this.resend
          .handle(payload, packet.retain)
          .catch((err) => this.log.warn({ err: (err as Error).message }, "resend stopped"));
        return;
      }
      const legacy = this.legacyDiscovery;
      if (legacy && isOwnLegacyConfig(legacy, topic, payload, this.topics.state)) {
        client.publish(topic, "", { qos: 1, retain: true }); // this door's config under its old node id
        return;
      }
      try {
        this.inbound.handle(topic, payload, packet.retain);
      } catch (err) {
        this.log.error({ err, topic }, "inbound message handler failed");
      }
    });
    this.unsubscribers.push(
      this.deps.audit.onAppend((record) => {
        this.schedulePump();
        this.head?.appended(record.seq);
      }),
      ...this.doors().map(({ door }) => door.onChange(() => this.publishState())),
    );
    if (this.deps.health)
      this.unsubscribers.push(
        this.deps.health.onChange((device) => {
          if (device === "storage") this.publishState();
        }),
      );
    this.poll();
    this.head?.start();
  }

  async stop(): Promise<void> {
    // Deliver what is already written (the app's `controller_stopped` row last) before `offline`,
    // so subscribers hear why the door went away. Bounded: a slow broker cannot hold up the stop.
    const last = this.deps.audit.last()?.seq ?? 0;
    if (this.connected && this.cursor < last) {
      this.schedulePump();
      await this.waitForPublished(last, STOP_DRAIN_MS).catch(() => {});
    }
    this.stopped = true;
    for (const u of this.unsubscribers.splice(0)) u();
    this.cancelPoll?.();
    this.head?.stop();
    this.saveCursor();
    const client = this.client;
    if (!client) return;
    if (this.connected) {
      await withTimeout(
        client.publishAsync(this.topics.availability, "offline", { qos: 1, retain: true }),
        2000,
      ).catch(() => {});
    }
    await withTimeout(client.endAsync(), 2000).catch(() => client.end(true));
    this.saveCursor();
  }

  /** The highest seq the broker acknowledged (with all before it). */
  publishedSeq(): number {
    return this.cursor;
  }

  isConnected(): boolean {
    return this.connected;
  }

  /** Connected and the broker acknowledged the subscriptions: commands sent now are heard. */
  isSubscribed(): boolean {
    return this.connected && this.subscribed;
  }

  allowlistVersion(): number {
    return this.allowlist.version();
  }

  /** Resolves once every event up to `seq` is acknowledged (tests, benchmarks). */
  async waitForPublished(seq: number, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.cursor < seq) {
      if (Date.now() > deadline) throw new Error(`timed out at cursor ${this.cursor} waiting for ${seq}`);
      await new Promise<void>((resolve) => {
        this.ackWaiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
  }

  /**
   * Logged at warn once per distinct reason until a connection succeeds, then at debug: a broker
   * with the wrong certificate would otherwise write a line every reconnect period, for hours.
   */
  private connectionError(err: Error & { code?: string | number }): void {
    const client = this.client;
    // A broker that refuses MQTT 5: retry in 3.1.1 so events still flow, and refuse every remote
    // command (see onConnect).
    if (client?.options.protocolVersion === 5 && refusesMqtt5(err)) {
      client.options.protocolVersion = 4;
      this.log.warn(
        { url: this.deps.settings.mqtt.url },
        "broker does not speak MQTT 5; using 3.1.1, and refusing remote commands (a retained one could not be recognised)",
      );
      // mqtt.js does not retry after a refused CONNACK by itself.
      setImmediate(() => {
        if (!this.stopped) client.reconnect();
      });
      return;
    }
    const reason = connectFailureReason(err);
    const first = !this.reportedFailures.has(reason);
    this.reportedFailures.add(reason);
    const fields = { reason, err: err.message, code: err.code, url: this.deps.settings.mqtt.url };
    if (first) this.log.warn(fields, "broker connection failed; events wait in the outbox");
    else this.log.debug(fields, "broker connection failed again");
  }

  private onConnect(): void {
    const client = this.client;
    if (!client || this.stopped) return;
    this.reportedFailures.clear();
    this.connected = true;
    this.generation++;
    this.inFlight = 0;
    this.acked.clear();
    this.sentUpTo = this.cursor; // re-send anything unacknowledged by the last connection
    this.log.info({ cursor: this.cursor }, "connected to broker");
    client.publish(this.topics.availability, "online", { qos: 1, retain: true });
    const mqtt5 = client.options.protocolVersion === 5;
    this.inbound.retainVisible = mqtt5;
    const subs = Object.assign(
      {},
      ...[...this.doorTopics.values()].map((t) => doorSubscriptions(t, mqtt5, [])),
      doorSubscriptions(this.topics, mqtt5, [this.legacyDiscovery, resendTopic(this.topics.prefix)]),
    );
    const connection = ++this.connections;
    client.subscribe(subs, (err) => {
      if (err) this.log.warn({ err: err.message }, "subscribe failed");
      else if (connection === this.connections && this.connected) this.subscribed = true;
    });
    this.publishDiscovery();
    this.publishState();
    this.head?.connected();
    this.schedulePump();
  }

  private onClose(): void {
    if (this.connected)
      this.log.warn({ cursor: this.cursor }, "broker connection lost; events wait in the outbox");
    this.connected = false;
    this.subscribed = false;
    this.generation++;
    this.inFlight = 0;
    this.saveCursor();
  }

  private schedulePump(): void {
    if (this.pumpScheduled || this.stopped) return;
    this.pumpScheduled = true;
    setImmediate(() => {
      this.pumpScheduled = false;
      this.pump();
    });
  }

  /** Keeps up to max_in_flight events unacknowledged; each ack frees a slot for the next. */
  private pump(): void {
    const max = this.deps.settings.mqtt.max_in_flight;
    while (this.connected && this.client && this.inFlight < max) {
      const batch = this.outbox.next(this.sentUpTo, Math.max(max - this.inFlight, 1));
      if (batch.length === 0) return;
      for (const event of batch) this.send(event);
    }
  }

  private send(event: EventPayload): void {
    const client = this.client as MqttClient;
    const generation = this.generation;
    this.sentUpTo = event.seq;
    this.inFlight++;
    client.publish(this.topics.event, JSON.stringify(event), { qos: 1 }, (err) => {
      if (generation !== this.generation) return;
      this.inFlight--;
      if (err) {
        // Not acknowledged: start again from the cursor (duplicates are fine; gaps are not).
        this.log.warn({ err: err.message, seq: event.seq }, "publish failed; will re-send");
        this.generation++;
        this.inFlight = 0;
        this.acked.clear();
        this.sentUpTo = this.cursor;
        return;
      }
      this.acked.add(event.seq);
      while (this.acked.delete(this.cursor + 1)) this.cursor++;
      if (this.inFlight === 0 || this.cursor - this.savedCursor >= CURSOR_SAVE_EVERY) this.saveCursor();
      for (const w of this.ackWaiters.splice(0)) w();
      this.schedulePump();
    });
    const haType = haEventType(event);
    if (haType && this.deps.clock.now() - Date.parse(event.ts) < HA_EVENT_MAX_AGE_MS) {
      client.publish(
        (this.doorTopics.get(event.door) ?? this.topics).haEvent,
        JSON.stringify({ event_type: haType, seq: event.seq, user_code: event.user_code }),
        {
          qos: 0,
        },
      );
    }
  }

  private saveCursor(): void {
    if (this.cursor === this.savedCursor) return;
    try {
      this.outbox.saveCursor(this.cursor);
      this.savedCursor = this.cursor;
    } catch (err) {
      this.log.warn({ err }, "could not save publish cursor; will retry");
    }
  }

  /** Catches rows appended by another process (the CLI), which onAppend does not see. */
  private poll(): void {
    if (this.stopped) return;
    this.schedulePump();
    this.cancelPoll = this.deps.clock.setTimeout(() => this.poll(), POLL_MS);
  }

  private doors(): ReadonlyArray<{ id: string; door: Pick<DoorController, "status" | "onChange"> }> {
    return this.deps.doors ?? [{ id: this.deps.settings.door_id, door: this.deps.door }];
  }

  /** Each door's retained state on its own P/state. */
  private publishState(): void {
    for (const { id, door } of this.doors())
      this.publishDoorState(door, this.doorTopics.get(id) ?? this.topics);
  }

  private publishDoorState(door: Pick<DoorController, "status">, topics: MqttTopics): void {
    if (!this.connected || !this.client) return;
    const status: DoorStatus = door.status();
    const state = {
      lock: status.phase === "fault" ? "jammed" : status.lock,
      door: status.door,
      phase: status.phase,
      faults: [...(status.fault ? [status.fault] : []), ...this.storageFaults()],
      allowlist_version: this.allowlist.version(),
      remote_control: this.deps.settings.mqtt.remote_control,
    };
    this.client.publish(topics.state, JSON.stringify(state), { qos: 1, retain: true });
  }

  /** The audit log cannot be written: entry is refused, which a remote monitor must see. */
  private storageFaults(): string[] {
    const storage = this.deps.health?.get("storage");
    return storage?.state === "failed" ? [`storage: ${storage.detail}`] : [];
  }

  private publishDiscovery(): void {
    const s = this.deps.settings;
    if (!this.connected || !this.client || !s.mqtt.home_assistant.discovery) return;
    // One HA device per door; every door is available while the controller's connection is.
    for (const [id, topics] of this.doorTopics)
      for (const m of haDiscoveryMessages(
        id,
        { ...topics, availability: this.topics.availability },
        {
          discoveryPrefix: s.mqtt.home_assistant.discovery_prefix,
          remoteControl: s.mqtt.remote_control,
          codeRequired: true,
          version: "0.1.0",
        },
      )) {
        this.client.publish(m.topic, JSON.stringify(m.payload), { qos: 1, retain: true });
      }
  }

  /** A new subscription delivers the retained snapshot again: how a door that missed deltas catches up. */
  private refetchSnapshot(): void {
    const topic = this.topics.allowlistSnapshot;
    if (!topic || !this.client || !this.connected) return;
    const client = this.client;
    client.unsubscribe(topic, () => client.subscribe(topic, { qos: 1 }));
  }

  /**
   * A retained snapshot may be missing (a broker restarted without persistence, a retained
   * message cleared): so the door also asks on the group's resync topic, at most once per
   * RESYNC_EVERY_MS however many gapped deltas arrive.
   */
  private requestResync(haveVersion: number): void {
    const topic = this.topics.allowlistResync;
    const now = this.deps.clock.now();
    if (!topic || !this.client || !this.connected || now - this.lastResyncMs < RESYNC_EVERY_MS) return;
    this.lastResyncMs = now;
    const body = {
      type: "allowlist_resync",
      group: this.deps.settings.mqtt.group,
      door: this.deps.settings.door_id,
      have_version: haveVersion,
    };
    this.client.publish(topic, JSON.stringify(body), { qos: 1, retain: false });
    this.log.info({ have_version: haveVersion }, "missed allowlist deltas; asked for the snapshot");
  }

  private record(entry: AuditEntry): void {
    try {
      this.deps.audit.append(entry, this.deps.clock.now());
    } catch (err) {
      this.log.error({ err, reason: entry.reason }, "could not write audit row");
    }
  }
}
