import mqtt, { type IClientOptions, type MqttClient } from "mqtt";
import type { HubSettings } from "../config/hub-schema.js";
import type { Logger } from "../logger.js";
import { resendTopic } from "../mqtt/resend-responder.js";
import type { HubAlert, ResendRequest } from "./alerts.js";
import { type ParsedEvent, parseEventPayload } from "./event-payload.js";
import { checkHeads } from "./head-check.js";
import { type IncomingEvent, IngestCache, ingestBatch, storeAlerts } from "./ingest.js";
import { hubClientOptions, hubSubscriptions } from "./mqtt-options.js";
import type { HubStore } from "./store/hub-store.js";

interface Item {
  topic: string;
  payload: Buffer;
  /** The QoS 1 packet id whose PUBACK is held until the batch holding this message commits. */
  ackId: number | null;
  generation: number;
  /** An event, parsed and its hash checked on arrival: done while the previous batch commits. */
  parsed?: ParsedEvent;
}

export interface BatchReport {
  stored: number;
  duplicates: number;
  alerts: HubAlert[];
  resends: ResendRequest[];
  /** The door's time of each event the batch carried (lag from publish to commit, in the bench). */
  eventTsMs: number[];
}

export interface HubServiceDeps {
  settings: HubSettings;
  store: HubStore;
  log: Logger;
  now: () => number;
  clientOptions?: Partial<IClientOptions>;
  /** Test hook: runs after the transaction commits and before the acks go out. */
  beforeAck?: () => Promise<void>;
}

const RESEND_EVERY_MS = 10_000;
const RETRY_MS = 1000;

/**
 * The hub's ingest: one persistent MQTT session, messages gathered into batches, each batch
 * stored in one transaction (one multi-row insert) with the chain check, and only then
 * acknowledged. mqtt.js sends a QoS 1 PUBACK as soon as its message handler returns and has
 * no manual-ack mode (customHandleAcks is serial: holding it stops all delivery), so the hub
 * holds the PUBACK packets themselves until the commit. A crash before the commit leaves them
 * unsent, and the broker redelivers those messages to the session: nothing acknowledged is
 * lost, and redelivered duplicates make no second row.
 */
export class HubService {
  private client: MqttClient | null = null;
  private pending: Item[] = [];
  private flushTimer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private generation = 0;
  private stopped = false;
  private readonly lastResend = new Map<string, number>();
  private readonly listeners = new Set<(r: BatchReport) => void>();
  /** Packet id → whether its held PUBACK may still go out (false until mqtt.js has produced it). */
  private readonly heldAcks = new Map<number, () => boolean>();
  private readonly cache = new IngestCache();

  constructor(private readonly deps: HubServiceDeps) {}

  /** Each committed batch, after its acks went out (tests, bench, the console). */
  onBatch(listener: (r: BatchReport) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const s = this.deps.settings;
    const client = mqtt.connect(s.mqtt_url, hubClientOptions(s, this.deps.clientOptions));
    this.client = client;
    this.holdPubacks(client);
    client.on("connect", (connack) => {
      this.generation++;
      this.deps.log.info({ session_present: connack.sessionPresent }, "hub connected to broker");
      // Subscribing again on a resumed session is harmless and covers a broker that lost it.
      client.subscribe(hubSubscriptions(s), { qos: 1 }, (err) => {
        if (err) this.deps.log.warn({ err: err.message }, "hub subscribe failed");
      });
    });
    client.on("close", () => {
      // Acks held for the old connection are void: the broker redelivers those messages.
      this.generation++;
    });
    client.on("error", (err) => this.deps.log.warn({ err: err.message }, "hub broker connection error"));
    client.on("message", (topic, payload, packet) => {
      const item: Item = { topic, payload, ackId: null, generation: this.generation };
      if (packet.qos > 0 && packet.messageId !== undefined) {
        this.heldAcks.set(packet.messageId, () => false); // marks the PUBACK that follows as one to hold
        item.ackId = packet.messageId;
      }
      if (topic.endsWith("/event")) item.parsed = parseEventPayload(payload);
      this.pending.push(item);
      if (this.pending.length >= s.batch_max) this.scheduleFlush(0);
      else this.scheduleFlush(s.batch_ms);
    });
    await new Promise<void>((resolve) => {
      if (client.connected) resolve();
      else client.once("connect", () => resolve());
      client.once("error", () => resolve());
    });
  }

  /** Stops without acknowledging anything uncommitted (the broker keeps it for the next start). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    await this.flushing?.catch(() => {});
    await this.flushNow().catch(() => {});
    await this.client?.endAsync().catch(() => this.client?.end(true));
  }

  /** Drops the connection at once, as a crash would: held acks are never sent. */
  kill(): void {
    this.stopped = true;
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.generation++;
    this.client?.end(true);
  }

  private holdPubacks(client: MqttClient): void {
    const c = client as unknown as {
      _sendPacket: (packet: { cmd: string; messageId?: number }, cb?: () => void, ...rest: unknown[]) => void;
    };
    const send = c._sendPacket.bind(client);
    c._sendPacket = (packet, cb, ...rest) => {
      if (packet.cmd === "puback" && packet.messageId !== undefined && this.heldAcks.has(packet.messageId)) {
        const generation = this.generation;
        this.heldAcks.set(packet.messageId, () => generation === this.generation);
        cb?.(); // let mqtt.js read the next message; the PUBACK itself waits for the commit
        return;
      }
      send(packet, cb, ...rest);
    };
  }

  /**
   * Sends a committed batch's PUBACKs in one write. A success PUBACK with no properties is the
   * same four bytes in MQTT 3.1.1 and 5 (0x40, remaining length 2, packet id); mqtt.js keeps no
   * state for an incoming QoS 1 message once its handler ran, so nothing else needs telling.
   * Acks held for an earlier connection are void (the broker redelivers those messages).
   */
  private releaseAcks(ids: number[]): void {
    const buf = Buffer.allocUnsafe(ids.length * 4);
    let n = 0;
    for (const id of ids) {
      const stillValid = this.heldAcks.get(id);
      this.heldAcks.delete(id);
      if (!stillValid?.()) continue;
      buf[n] = 0x40;
      buf[n + 1] = 2;
      buf.writeUInt16BE(id, n + 2);
      n += 4;
    }
    const stream = this.client?.stream;
    if (n > 0 && stream && !stream.destroyed) stream.write(buf.subarray(0, n));
  }

  private scheduleFlush(ms: number): void {
    if (this.stopped || this.flushing) return;
    if (ms === 0 && this.flushTimer) {
      clearTimeout(this.flushTimer);
      this.flushTimer = null;
    }
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = null;
      this.flushing = this.flushNow().finally(() => {
        this.flushing = null;
        if (this.pending.length > 0)
          this.scheduleFlush(this.pending.length >= this.deps.settings.batch_max ? 0 : 1);
      });
    }, ms);
  }

  private async flushNow(): Promise<void> {
    while (this.pending.length > 0) {
      const batch = this.pending.splice(0, this.deps.settings.batch_max);
      let report: BatchReport;
      try {
        report = await this.storeBatch(batch);
      } catch (err) {
        this.cache.clear(); // a partition may have been dropped (retention) or the database replaced
        // Database down: keep the batch (unacknowledged) and try again; the broker holds the rest.
        this.deps.log.warn(
          { err: (err as Error).message, events: batch.length },
          "hub could not store a batch; retrying",
        );
        this.pending.unshift(...batch);
        if (this.stopped) return;
        await new Promise((r) => setTimeout(r, RETRY_MS));
        continue;
      }
      if (this.deps.beforeAck) await this.deps.beforeAck();
      const ids: number[] = [];
      for (const item of batch)
        if (item.ackId !== null && item.generation === this.generation) ids.push(item.ackId);
      this.releaseAcks(ids);
      this.afterCommit(report);
    }
  }

  private async storeBatch(batch: Item[]): Promise<BatchReport> {
    const prefix = this.deps.settings.prefix;
    const events: IncomingEvent[] = [];
    const heads: Item[] = [];
    const availability: Array<{ doorPrefix: string; online: boolean }> = [];
    const malformed: HubAlert[] = [];
    for (const item of batch) {
      const [doorPrefix, leaf] = splitTopic(item.topic);
      if (leaf === "event") {
        const parsed = item.parsed ?? parseEventPayload(item.payload);
        if (parsed.ok) events.push({ event: parsed.event, prefix: doorPrefix });
        else
          malformed.push({
            door: parsed.door ?? doorPrefix.slice(prefix.length + 1),
            kind: parsed.reason,
            seq: parsed.seq ?? null,
            detail: { topic: item.topic },
          });
      } else if (leaf === "head") heads.push(item);
      else if (leaf === "availability")
        availability.push({ doorPrefix, online: item.payload.toString() === "online" });
    }
    const now = this.deps.now();
    return this.deps.store.transaction(async (tx) => {
      const r = await ingestBatch(tx, events, now, this.cache);
      const report: BatchReport = {
        ...r,
        alerts: [...r.alerts, ...malformed],
        eventTsMs: events.map((e) => e.event.tsMs),
      };
      await storeAlerts(tx, malformed);
      // Every head of the batch in two round trips, checked in arrival order (after the batch's events).
      const checked = await checkHeads(
        tx,
        heads.map((h) => ({ prefix: splitTopic(h.topic)[0], raw: h.payload })),
        now,
      );
      report.alerts.push(...checked.alerts);
      report.resends.push(...checked.resends);
      for (const a of availability)
        await tx.query("UPDATE hub_doors SET online = $2 WHERE prefix = $1", [a.doorPrefix, a.online]);
      return report;
    });
  }

  private afterCommit(report: BatchReport): void {
    const client = this.client;
    if (client?.connected) {
      for (const a of report.alerts) {
        this.deps.log.warn({ door: a.door, kind: a.kind, seq: a.seq }, "hub alert");
        client.publish(
          this.deps.settings.alert_topic,
          JSON.stringify({ ...a, ts: new Date(this.deps.now()).toISOString() }),
          {
            qos: 1,
          },
        );
      }
      for (const r of report.resends) this.requestResend(client, r);
    }
    for (const l of this.listeners) l(report);
  }

  /** One request per door per 10 s: the door throttles the same way, and re-asking sooner only adds load. */
  private requestResend(client: MqttClient, r: ResendRequest): void {
    const now = this.deps.now();
    if (now - (this.lastResend.get(r.door) ?? Number.NEGATIVE_INFINITY) < RESEND_EVERY_MS) return;
    this.lastResend.set(r.door, now);
    client.publish(resendTopic(r.prefix), JSON.stringify({ type: "resend", from_seq: r.fromSeq }), {
      qos: 1,
    });
    this.deps.log.info({ door: r.door, from_seq: r.fromSeq }, "asked door to re-send");
  }
}

/** "$share/…" is stripped by the broker; "doorward/records-room/event" → ["doorward/records-room", "event"]. */
function splitTopic(topic: string): [string, string] {
  const i = topic.lastIndexOf("/");
  return [topic.slice(0, i), topic.slice(i + 1)];
}
