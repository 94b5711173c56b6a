import { z } from "zod";
import type { Logger } from "../logger.js";
import type { EventOutbox, EventPayload } from "./event-outbox.js";

/** Where a subscriber (the audit hub) asks a door to publish its events again from a seq. */
export const resendTopic = (prefix: string) => `${prefix}/resend`;

const resendRequestSchema = z
  .object({ type: z.literal("resend"), from_seq: z.number().int().positive() })
  .strict();

/** At most this many rows per request: a hub wanting more asks again once they have arrived. */
const MAX_ROWS_PER_RESEND = 10_000;
const BATCH = 100;

export type ResendOutcome =
  | { resent: number; from: number }
  | { ignored: "retained" | "malformed" | "in_flight" | "throttled" };

/**
 * The door's side of `P/resend` (HEAD-FORMAT.md): re-publishes its events from `from_seq` on
 * `P/event`, out of band of the outbox cursor (which it never moves). The request is unsigned
 * and what it triggers is a copy of what was already published, so the only risk is load:
 * one resend in flight at a time, at most one per `minIntervalMs`, at most 10,000 rows each,
 * and never more than the door still holds (retention may have purged the oldest).
 */
export class ResendResponder {
  private inFlight = false;
  private lastStartMs = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly opts: {
      outbox: Pick<EventOutbox, "next">;
      publish: (event: EventPayload) => Promise<void>;
      now: () => number;
      log: Logger;
      minIntervalMs?: number;
    },
  ) {}

  async handle(payload: Buffer, retained: boolean): Promise<ResendOutcome> {
    const ignore = (why: "retained" | "malformed" | "in_flight" | "throttled") => {
      this.opts.log.warn({ reason: why }, "resend request ignored");
      return { ignored: why } as const;
    };
    if (retained) return ignore("retained");
    let parsed: ReturnType<typeof resendRequestSchema.safeParse>;
    try {
      parsed = resendRequestSchema.safeParse(JSON.parse(payload.toString("utf8")));
    } catch {
      return ignore("malformed");
    }
    if (!parsed.success) return ignore("malformed");
    if (this.inFlight) return ignore("in_flight");
    const now = this.opts.now();
    if (now - this.lastStartMs < (this.opts.minIntervalMs ?? 10_000)) return ignore("throttled");
    this.lastStartMs = now;
    this.inFlight = true;
    const from = parsed.data.from_seq;
    let resent = 0;
    try {
      let after = from - 1;
      while (resent < MAX_ROWS_PER_RESEND) {
        const batch = this.opts.outbox.next(after, Math.min(BATCH, MAX_ROWS_PER_RESEND - resent));
        if (batch.length === 0) break;
        await Promise.all(batch.map((e) => this.opts.publish(e)));
        resent += batch.length;
        after = batch[batch.length - 1]?.seq ?? after;
      }
    } finally {
      this.inFlight = false;
    }
    this.opts.log.info({ from_seq: from, resent }, "events re-sent on request");
    return { resent, from };
  }
}
