import type { KeyObject } from "node:crypto";
import type { Clock } from "../../devices/types.js";
import { signHead } from "../audit/signed-head.js";
import type { Db } from "../store/open-database.js";

/** A new head after this many new rows... */
export const HEAD_EVERY_EVENTS = 100;
/** ...and at least this often while there are new rows (rows the CLI appends are seen here too). */
export const HEAD_EVERY_MS = 60_000;

export interface HeadPublisherDeps {
  db: Db;
  door: string;
  key: KeyObject;
  clock: Clock;
  /** Publishes retained, QoS 1, on `P/head`; false when not connected (tried again later). */
  publish(payload: string): boolean;
}

/**
 * Publishes the signed chain head (docs/mqtt.md `P/head`) so every subscriber holds an anchor
 * outside this device: rows cut from the end or a rewritten tail no longer match a head the
 * broker or the hub kept.
 */
export class HeadPublisher {
  private publishedSeq = 0;
  private cancelTimer: (() => void) | null = null;
  private readonly newest;

  constructor(private readonly deps: HeadPublisherDeps) {
    this.newest = deps.db.prepare<[], { seq: number | null }>("SELECT max(seq) AS seq FROM audit_events");
  }

  start(): void {
    const tick = () => {
      this.publishIfNew();
      this.cancelTimer = this.deps.clock.setTimeout(tick, HEAD_EVERY_MS);
    };
    this.cancelTimer = this.deps.clock.setTimeout(tick, HEAD_EVERY_MS);
  }

  stop(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** Called for each row this process appends. */
  appended(seq: number): void {
    if (seq - this.publishedSeq >= HEAD_EVERY_EVENTS) this.publishNow();
  }

  /** On (re)connect: a broker that lost its retained messages gets the head back at once. */
  connected(): void {
    this.publishNow();
  }

  private publishIfNew(): void {
    if ((this.newest.get()?.seq ?? 0) > this.publishedSeq) this.publishNow();
  }

  private publishNow(): void {
    try {
      const head = signHead(this.deps.db, this.deps.door, this.deps.key, this.deps.clock.now());
      if (!head) return;
      const seq = (JSON.parse(JSON.parse(head).body) as { seq: number }).seq;
      if (this.deps.publish(head)) this.publishedSeq = seq;
    } catch {
      // A head is an extra anchor; failing to make one never stops the bridge. The next tick retries.
    }
  }
}
