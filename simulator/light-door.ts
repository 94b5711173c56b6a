import type { KeyObject } from "node:crypto";
import { GENESIS_HASH } from "../src/audit/audit-log.js";
import { eventHash, type HubEvent } from "../src/hub/event-payload.js";
import { signMessage } from "../src/mqtt/signed-envelope.js";

/**
 * A light-weight door for the hub's tests and fleet bench: no devices, no SQLite, but a real
 * hash chain (the door's own row hash) and real signed heads, so what it publishes is exactly
 * what a doorward publishes on P/event and P/head.
 */
export class LightDoor {
  readonly events: HubEvent[] = [];

  constructor(
    readonly door: string,
    private readonly key: KeyObject | null = null,
  ) {}

  get lastHash(): string {
    return this.events.at(-1)?.hash ?? GENESIS_HASH;
  }

  append(
    tsMs: number,
    fields: Partial<Pick<HubEvent, "reason" | "userCode" | "outcome" | "detail">> = {},
  ): HubEvent {
    const base = {
      door: this.door,
      seq: this.events.length + 1,
      tsMs,
      kind: "access",
      credential: "pin",
      outcome: fields.outcome ?? "granted",
      reason: fields.reason ?? "granted",
      userCode: fields.userCode ?? "u-TEST01",
      detail: fields.detail ?? null,
      prevHash: this.lastHash,
      hash: "",
    };
    const event = { ...base, hash: eventHash(base) };
    this.events.push(event);
    return event;
  }

  /** Rewrites the tail from `seq` on (as someone holding the SD card would) with new reasons, re-chaining it. */
  rewriteFrom(seq: number, reason = "rewritten"): void {
    const tail = this.events.splice(seq - 1);
    for (const e of tail) this.append(e.tsMs, { reason, userCode: e.userCode, outcome: e.outcome });
  }

  /** The P/event payload, as src/mqtt/event-outbox.ts writes it. */
  payload(e: HubEvent): string {
    return JSON.stringify({
      seq: e.seq,
      ts: new Date(e.tsMs).toISOString(),
      door: e.door,
      kind: e.kind,
      credential: e.credential,
      outcome: e.outcome,
      reason: e.reason,
      user_code: e.userCode,
      detail: e.detail ? JSON.parse(e.detail) : null,
      prev_hash: e.prevHash,
      hash: e.hash,
    });
  }

  /** The P/head envelope (HEAD-FORMAT.md) for the latest row. */
  head(nowMs: number, upTo = this.events.length): string {
    if (!this.key) throw new Error("this light door has no device key");
    const e = this.events[upTo - 1];
    return signMessage(
      {
        type: "head",
        door: this.door,
        seq: e?.seq ?? 0,
        hash: e?.hash ?? GENESIS_HASH,
        ts: new Date(nowMs).toISOString(),
      },
      this.key,
    );
  }
}
