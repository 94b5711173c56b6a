import type { Clock, SerialLink } from "../types.js";
import { OsdpFrameParser } from "./frame-parser.js";
import type { OsdpReader } from "./osdp-reader.js";
import type { DecodedFrame } from "./packet-codec.js";

export interface OsdpBusOptions {
  link: SerialLink;
  clock: Clock;
  /** SIA OSDP 2.2: a PD answers within 200 ms. */
  replyTimeoutMs?: number;
  maxPacketBytes?: number;
}

export interface OsdpBusStats {
  transactions: number;
  timeouts: number;
  txBytes: number;
  rxBytes: number;
  /** Valid packets that were not the awaited reply (echo of our own command, another address). */
  strayFrames: number;
}

interface Exchange {
  reader: OsdpReader;
  cancelTimeout: () => void;
}

/**
 * One RS-485 line with up to 127 readers (multi-drop). The CP owns the line: exactly one command
 * is outstanding at a time, and the bus hands the turn to the reader that is due soonest (ties go
 * to the one served longest ago, so a chatty reader cannot starve the others).
 */
export class OsdpBus {
  readonly stats: OsdpBusStats = { transactions: 0, timeouts: 0, txBytes: 0, rxBytes: 0, strayFrames: 0 };
  private readonly readers = new Map<number, OsdpReader>();
  private readonly lastServed = new Map<number, number>();
  private readonly parser: OsdpFrameParser;
  private readonly replyTimeoutMs: number;
  private readonly clock: Clock;
  private readonly link: SerialLink;
  private exchange: Exchange | null = null;
  private cancelWake: (() => void) | null = null;
  private running = false;
  private serveCounter = 0;
  private detach: (() => void)[] = [];

  constructor(opts: OsdpBusOptions) {
    this.link = opts.link;
    this.clock = opts.clock;
    this.replyTimeoutMs = opts.replyTimeoutMs ?? 200;
    this.parser = new OsdpFrameParser((frame) => this.onFrame(frame), {
      maxPacketBytes: opts.maxPacketBytes,
    });
  }

  add(reader: OsdpReader): void {
    if (this.readers.has(reader.address))
      throw new Error(`two readers at OSDP address ${reader.address} on one bus`);
    this.readers.set(reader.address, reader);
    this.lastServed.set(reader.address, -1);
    reader.attachBus(() => this.pump());
    if (this.running) this.pump();
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.detach = [
      this.link.onData((chunk) => {
        this.stats.rxBytes += chunk.length;
        this.parser.push(chunk);
      }),
      this.link.onClose((err) => this.onLinkClosed(err)),
    ];
    this.pump();
  }

  /** Stops polling; the link stays open (its owner closes it). */
  stop(): void {
    this.running = false;
    this.cancelWake?.();
    this.cancelWake = null;
    this.exchange?.cancelTimeout();
    this.exchange = null;
    for (const off of this.detach) off();
    this.detach = [];
  }

  private pump(): void {
    if (!this.running || this.exchange) return;
    this.cancelWake?.();
    this.cancelWake = null;
    const now = this.clock.now();
    let next: OsdpReader | null = null;
    let nextDue = Number.POSITIVE_INFINITY;
    let nextServed = Number.POSITIVE_INFINITY;
    for (const reader of this.readers.values()) {
      const due = Math.max(reader.nextDueAt(), now);
      const served = this.lastServed.get(reader.address) ?? -1;
      if (due < nextDue || (due === nextDue && served < nextServed)) {
        next = reader;
        nextDue = due;
        nextServed = served;
      }
    }
    if (!next || nextDue === Number.POSITIVE_INFINITY) return;
    if (nextDue > now) {
      this.cancelWake = this.clock.setTimeout(() => {
        this.cancelWake = null;
        this.pump();
      }, nextDue - now);
      return;
    }
    this.send(next, now);
  }

  private send(reader: OsdpReader, now: number): void {
    const bytes = reader.takeCommand(now);
    this.lastServed.set(reader.address, this.serveCounter++);
    // Bytes left from a torn earlier reply must not glue onto this exchange's answer.
    this.parser.reset();
    const exchange: Exchange = {
      reader,
      cancelTimeout: this.clock.setTimeout(() => this.onTimeout(exchange), this.replyTimeoutMs),
    };
    this.exchange = exchange;
    this.stats.transactions++;
    this.stats.txBytes += bytes.length;
    // A failed write is a lost command: the reply timeout handles it like any other.
    this.link.write(bytes).catch(() => {});
  }

  private onFrame(frame: DecodedFrame): void {
    const exchange = this.exchange;
    if (!exchange || !frame.reply || frame.address !== exchange.reader.address) {
      this.stats.strayFrames++;
      return;
    }
    if (!exchange.reader.onReply(frame, this.clock.now())) {
      this.stats.strayFrames++;
      return;
    }
    exchange.cancelTimeout();
    this.exchange = null;
    this.pump();
  }

  private onTimeout(exchange: Exchange): void {
    if (this.exchange !== exchange) return;
    this.exchange = null;
    this.stats.timeouts++;
    exchange.reader.onTimeout(this.clock.now());
    this.pump();
  }

  private onLinkClosed(err?: Error): void {
    const detail = err ? `serial port lost (${err.message})` : "serial port closed";
    const now = this.clock.now();
    this.stop();
    for (const reader of this.readers.values()) reader.onLinkLost(detail, now);
  }
}
