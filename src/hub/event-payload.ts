import { z } from "zod";
import { rowHash } from "../audit/audit-log.js";

const hex64 = z.string().regex(/^[0-9a-f]{64}$/);

/** A door's `P/event` payload (docs/mqtt.md) with the chain hashes it carries since issue 14. */
export const eventPayloadSchema = z.object({
  seq: z.number().int().positive(),
  ts: z.string().datetime({ offset: true }),
  door: z.string().min(1).max(128),
  kind: z.string().min(1).max(32),
  credential: z.string().max(32).nullable(),
  outcome: z.string().max(32).nullable(),
  reason: z.string().min(1).max(128),
  user_code: z.string().max(64).nullable(),
  detail: z.record(z.string(), z.unknown()).nullable(),
  prev_hash: hex64,
  hash: hex64,
});
type EventPayload = z.infer<typeof eventPayloadSchema>;

const HEX64 = /^[0-9a-f]{64}$/;
const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;
const text = (v: unknown, min: number, max: number): v is string =>
  typeof v === "string" && v.length >= min && v.length <= max;
const textOrNull = (v: unknown, max: number) => v === null || text(v, 0, max);

/**
 * The same rules as eventPayloadSchema, checked field by field: the hub parses every event it
 * stores, and at tens of thousands a second the schema library's generic walk was the biggest
 * cost of a batch (test/hub/event-payload.test.ts holds the two to the same answers).
 */
export function isEventPayload(v: unknown): v is EventPayload {
  if (typeof v !== "object" || v === null) return false;
  const p = v as Record<string, unknown>;
  const detail = p.detail;
  return (
    Number.isSafeInteger(p.seq) &&
    (p.seq as number) > 0 &&
    typeof p.ts === "string" &&
    ISO_TIME.test(p.ts) &&
    !Number.isNaN(Date.parse(p.ts)) &&
    text(p.door, 1, 128) &&
    text(p.kind, 1, 32) &&
    textOrNull(p.credential, 32) &&
    textOrNull(p.outcome, 32) &&
    text(p.reason, 1, 128) &&
    textOrNull(p.user_code, 64) &&
    (detail === null || (typeof detail === "object" && !Array.isArray(detail))) &&
    typeof p.prev_hash === "string" &&
    HEX64.test(p.prev_hash) &&
    typeof p.hash === "string" &&
    HEX64.test(p.hash)
  );
}

/** One event as the hub stores it: the door's row, field for field, so its hash can be recomputed. */
export interface HubEvent {
  door: string;
  seq: number;
  tsMs: number;
  kind: string;
  credential: string | null;
  outcome: string | null;
  reason: string;
  userCode: string | null;
  /** The door's detail column exactly (JSON text), because the hash covers that text. */
  detail: string | null;
  prevHash: string;
  hash: string;
}

export type ParsedEvent =
  | { ok: true; event: HubEvent }
  | { ok: false; reason: "malformed" | "bad_hash"; door?: string; seq?: number };

/** Never throws: a payload is either a well-formed event whose hash matches its fields, or a reason. */
export function parseEventPayload(raw: Buffer | string): ParsedEvent {
  let json: unknown;
  try {
    json = JSON.parse(typeof raw === "string" ? raw : raw.toString("utf8"));
  } catch {
    return { ok: false, reason: "malformed" };
  }
  if (!isEventPayload(json)) return { ok: false, reason: "malformed" };
  const p = json;
  const event: HubEvent = {
    door: p.door,
    seq: p.seq,
    tsMs: Date.parse(p.ts),
    kind: p.kind,
    credential: p.credential,
    outcome: p.outcome,
    reason: p.reason,
    userCode: p.user_code,
    detail: p.detail ? JSON.stringify(p.detail) : null,
    prevHash: p.prev_hash,
    hash: p.hash,
  };
  if (eventHash(event) !== event.hash) return { ok: false, reason: "bad_hash", door: p.door, seq: p.seq };
  return { ok: true, event };
}

/** The door's own row hash (src/audit/audit-log.ts), recomputed from what the hub holds. */
export function eventHash(e: HubEvent): string {
  return rowHash({
    seq: e.seq,
    ts_ms: e.tsMs,
    door: e.door,
    kind: e.kind as "access",
    credential: e.credential as null,
    outcome: e.outcome as null,
    reason: e.reason,
    user_code: e.userCode,
    detail: e.detail,
    prev_hash: e.prevHash,
  });
}
