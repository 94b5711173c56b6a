import type { KeyObject } from "node:crypto";
import type { MqttClient } from "mqtt";
import { z } from "zod";
import type { Logger } from "../logger.js";
import type { KeyValueStore } from "../store/key-value-store.js";
import { republishFleetSnapshot } from "./fleet-publisher.js";
import { fleetTopics } from "./topics.js";

/** What a door publishes on `<fleet_prefix>/<group>/allowlist/resync` when it missed deltas. */
export const resyncRequestSchema = z
  .object({
    type: z.literal("allowlist_resync"),
    group: z.string().min(1),
    door: z.string().min(1).max(128),
    have_version: z.number().int().nonnegative(),
  })
  .strict();
export type ResyncRequest = z.infer<typeof resyncRequestSchema>;

/**
 * The admin side of resync (`doorward fleet serve`): answers a door's request with the last
 * published snapshot. Requests are unsigned (doors hold no signing key), so one can at most cause
 * a re-publish of what is already public to the group, and answers are throttled so a flood of
 * requests costs one publish per `minIntervalMs`. Every ignored request is logged with a reason.
 */
export class FleetResyncResponder {
  private lastAnswerMs = Number.NEGATIVE_INFINITY;
  private readonly topic: string;

  constructor(
    private readonly opts: {
      client: MqttClient;
      kv: KeyValueStore;
      group: string;
      fleetPrefix: string;
      privateKey: KeyObject;
      log: Logger;
      now: () => number;
      minIntervalMs?: number;
    },
  ) {
    this.topic = fleetTopics(opts.fleetPrefix, opts.group).resync;
  }

  async start(): Promise<void> {
    this.opts.client.on("message", (topic, payload, packet) => {
      if (topic !== this.topic) return;
      this.handle(payload, packet.retain).catch((err) =>
        this.opts.log.error({ err: (err as Error).message }, "resync answer failed"),
      );
    });
    await this.opts.client.subscribeAsync(this.topic, { qos: 1 });
  }

  /** Resolves with the version re-published, or null with the reason logged. */
  async handle(payload: Buffer, retained: boolean): Promise<number | null> {
    const ignore = (reason: string, extra: Record<string, unknown> = {}) => {
      this.opts.log.warn({ reason, ...extra }, "resync request ignored");
      return null;
    };
    if (retained) return ignore("retained");
    let parsed: ReturnType<typeof resyncRequestSchema.safeParse>;
    try {
      parsed = resyncRequestSchema.safeParse(JSON.parse(payload.toString("utf8")));
    } catch {
      return ignore("malformed");
    }
    if (!parsed.success) return ignore("malformed");
    const req = parsed.data;
    if (req.group !== this.opts.group) return ignore("wrong_group", { door: req.door });
    const published = this.opts.kv.getJson<{ version: number }>(`fleet:${this.opts.group}:published`);
    if (!published) return ignore("nothing_published", { door: req.door });
    if (req.have_version >= published.version)
      return ignore("up_to_date", { door: req.door, have_version: req.have_version });
    const now = this.opts.now();
    if (now - this.lastAnswerMs < (this.opts.minIntervalMs ?? 5000))
      return ignore("throttled", { door: req.door });
    this.lastAnswerMs = now;
    const version = await republishFleetSnapshot({ ...this.opts, nowMs: now });
    this.opts.log.info({ door: req.door, have_version: req.have_version, version }, "resync answered");
    return version;
  }
}
