import type { Clock, SerialLink } from "../types.js";
import type { BadgeBadRead, BadgeRead } from "./badge-events.js";
import { Rdm6300Parser, type Rdm6300ParserStats } from "./rdm6300-parser.js";

/** The RDM6300 reads EM4100 cards; this is the format name its reads carry. */
export const RDM6300_FORMAT = "EM4100";

/**
 * number: the decimal of the 32-bit tag, without the version byte (the 10-digit number usually
 * printed on EM4100 cards, and the same value a W34 reader reports for the card).
 * rawHex: version + tag as the 10 hex digits on the wire, so two cards that differ only in the
 * version byte can still be told apart by whoever needs to.
 */
export interface Rdm6300BadgeRead extends BadgeRead {
  rawHex: string;
}

export interface Rdm6300ReaderOptions {
  /** An open port at 9600 8N1. The reader never writes to it (the module is TX-only). */
  link: SerialLink;
  clock: Clock;
  onBadge: (read: Rdm6300BadgeRead) => void;
  /** detail: bad_checksum. Malformed frames and line noise are only counted (see stats). */
  onBadRead: (bad: BadgeBadRead) => void;
  /** The port vanished (err set) or was closed. Until a new reader is started, no badge can be read. */
  onLinkClosed?: (err: Error | undefined, atMs: number) => void;
  /**
   * The module repeats a frame every few hundred ms while a tag stays in the field. A repeat of
   * the last tag is suppressed until the tag has been absent this long (measured from its last
   * repeat, so holding a card for a minute is still one read).
   */
  repeatWindowMs?: number;
}

export interface Rdm6300ReaderStats extends Rdm6300ParserStats {
  badges: number;
  suppressedRepeats: number;
}

/** Turns RDM6300 serial traffic into badge reads, one per presentation. */
export class Rdm6300Reader {
  private readonly parser = new Rdm6300Parser();
  private readonly repeatWindowMs: number;
  private lastRawHex: string | null = null;
  private lastSeenMs = 0;
  private badges = 0;
  private suppressedRepeats = 0;
  private unsubscribe: (() => void)[] = [];

  constructor(private readonly opts: Rdm6300ReaderOptions) {
    this.repeatWindowMs = opts.repeatWindowMs ?? 1500;
  }

  start(): void {
    if (this.unsubscribe.length > 0) return;
    this.unsubscribe = [
      this.opts.link.onData((chunk) => this.onData(chunk)),
      this.opts.link.onClose((err) => this.opts.onLinkClosed?.(err, this.opts.clock.now())),
    ];
  }

  /** Stops listening and forgets partial frames and the last tag. Does not close the link (the caller owns it). */
  stop(): void {
    for (const off of this.unsubscribe) off();
    this.unsubscribe = [];
    this.parser.reset();
    this.lastRawHex = null;
  }

  stats(): Rdm6300ReaderStats {
    return { ...this.parser.stats(), badges: this.badges, suppressedRepeats: this.suppressedRepeats };
  }

  private onData(chunk: Buffer): void {
    const atMs = this.opts.clock.now();
    for (const result of this.parser.push(chunk)) {
      if (!result.ok) {
        // A misread does not end or extend the presentation of the last good tag.
        this.opts.onBadRead({ format: RDM6300_FORMAT, detail: result.detail, atMs });
        continue;
      }
      const isRepeat = result.rawHex === this.lastRawHex && atMs - this.lastSeenMs < this.repeatWindowMs;
      this.lastRawHex = result.rawHex;
      this.lastSeenMs = atMs;
      if (isRepeat) {
        this.suppressedRepeats++;
        continue;
      }
      this.badges++;
      this.opts.onBadge({ number: String(result.tag), format: RDM6300_FORMAT, rawHex: result.rawHex, atMs });
    }
  }
}
