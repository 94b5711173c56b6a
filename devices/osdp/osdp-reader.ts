import { inspect } from "node:util";
import { callSafely } from "../keypad/keypad.js";
import type { Clock } from "../types.js";
import { Cmd, hex2, NakCode, Reply } from "./constants.js";
import {
  encodeBuzzer,
  encodeLed,
  encodeText,
  type Feedback,
  feedbackCommands,
  type LocalStatus,
  type PdCapability,
  type PdIdentity,
} from "./messages.js";
import { type DecodedFrame, encodeFrame } from "./packet-codec.js";
import { type Command, isConnecting, ReaderConnection } from "./reader-connection.js";
import {
  type OsdpReaderEvents,
  type OsdpReaderOptions,
  type ReaderState,
  type ReaderTiming,
  readerTiming,
  reportPdData,
} from "./reader-events.js";
import { SecretKey } from "./secure-channel.js";
import type { SecureSession } from "./secure-session.js";

export type { OsdpReaderEvents, OsdpReaderOptions, ReaderState } from "./reader-events.js";

interface InFlight {
  bytes: Buffer;
  code: number;
  sequence: number;
  attempts: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * One OSDP reader as seen by the Control Panel: a state machine driven by the bus (which decides
 * when it may talk) through takeCommand / onReply / onTimeout. It never falls back to plaintext
 * when Secure Channel is required: any handshake or MAC failure leaves it offline with a
 * `secure_channel_failed` fault, and it retries the handshake later, never without it.
 * This file is the plumbing (retries, sequence numbers, Secure Channel framing, faults, back-off)
 * and the online polling; what each answer during connection means is in reader-connection.ts.
 */
export class OsdpReader {
  readonly device: string;
  readonly address: number;
  private readonly clock: Clock;
  private readonly events: OsdpReaderEvents;
  private readonly secure: boolean;
  private readonly connection: ReaderConnection;
  private readonly timing: ReaderTiming;

  private stateValue: ReaderState = "offline";
  private dueAt: number;
  private inFlight: InFlight | null = null;
  private lastSequence = 0;
  private queue: Command[] = [];
  private session: SecureSession | null = null;
  private reconnectDelay: number;
  private faultDetail: string | null = null;
  private local: Partial<LocalStatus> = {};
  readonly counters = { commands: 0, polls: 0, retries: 0, naks: 0, rejectedReplies: 0 };

  constructor(opts: OsdpReaderOptions) {
    if (!Number.isInteger(opts.address) || opts.address < 0 || opts.address > 126)
      throw new RangeError(`OSDP address ${opts.address} is outside 0..126`);
    this.device = opts.device;
    this.address = opts.address;
    this.clock = opts.clock;
    this.events = opts.events;
    this.secure = opts.secure ?? true;
    const key = opts.key ?? null;
    const install = opts.install ?? null;
    if (this.secure && !key && !install)
      throw new Error(`${opts.device}: Secure Channel needs a key (or install mode)`);
    this.timing = readerTiming(opts);
    const { device, events, secure, timing } = this;
    this.connection = new ReaderConnection({ device, events, secure, random: timing.random }, key, install);
    this.reconnectDelay = this.timing.reconnectMs;
    this.dueAt = this.clock.now();
  }

  /** Logging a reader shows what it is doing, never its key or session keys. */
  [inspect.custom](): string {
    return `OsdpReader(${this.device} @${this.address}, ${this.stateValue}${this.session ? ", secure" : ""})`;
  }

  toJSON(): object {
    return {
      device: this.device,
      address: this.address,
      state: this.stateValue,
      secure: this.session !== null,
    };
  }

  get state(): ReaderState {
    return this.stateValue;
  }

  get online(): boolean {
    return this.stateValue === "online";
  }

  get secureChannelActive(): boolean {
    return this.session !== null;
  }

  /** What the reader said it is (osdp_PDID); null until known, or when it does not implement osdp_ID. */
  get identity(): PdIdentity | null {
    return this.connection.identity;
  }

  /** What the reader said it can do (osdp_PDCAP), from its latest connection. */
  get capabilities(): PdCapability[] {
    return this.connection.capabilities;
  }

  /** When the reader next wants the bus (Infinity while it waits for something else). */
  nextDueAt(): number {
    return this.dueAt;
  }

  /** Drives the reader's LED and buzzer for an access outcome; dropped while offline. */
  feedback(kind: Feedback): void {
    if (!this.online) return;
    const { led, buzzer } = feedbackCommands(kind);
    this.enqueue(Cmd.LED, encodeLed(led));
    if (buzzer) this.enqueue(Cmd.BUZ, encodeBuzzer(buzzer));
  }

  showText(text: string, seconds = 0): void {
    if (!this.online) return;
    const mode = seconds > 0 ? 3 : 1;
    this.enqueue(Cmd.TEXT, encodeText({ readerNumber: 0, mode, seconds, row: 1, column: 1, text }));
  }

  private enqueue(code: number, data: Buffer): void {
    this.queue.push({ code, data });
    this.dueAt = Math.min(this.dueAt, this.clock.now());
    this.wake();
  }

  private wake: () => void = () => {};

  /** The bus registers how to be told that this reader wants the bus earlier than it said. */
  attachBus(wake: () => void): void {
    this.wake = wake;
  }

  /** The bytes to put on the wire now: a retransmission, or the next command of the current state. */
  takeCommand(now: number): Buffer {
    if (this.inFlight) {
      this.inFlight.attempts++;
      this.counters.retries++;
      return this.inFlight.bytes;
    }
    if (this.stateValue === "offline") this.enter("id");
    const sequence = this.stateValue === "id" ? 0 : (this.lastSequence % 3) + 1;
    const { code, data } = this.nextCommand();
    let bytes: Buffer;
    if (this.session) {
      bytes = this.session.seal({ address: this.address, sequence, code, data }, { mark: this.timing.mark });
    } else {
      const scb = this.connection.handshakeBlock(code);
      const fields = { address: this.address, reply: false, sequence, crc: true, scb, code, data };
      bytes = encodeFrame(fields, { mark: this.timing.mark });
    }
    this.inFlight = { bytes, code, sequence, attempts: 1 };
    this.counters.commands++;
    if (code === Cmd.POLL) this.counters.polls++;
    this.dueAt = now;
    return bytes;
  }

  private nextCommand(): Command {
    if (isConnecting(this.stateValue)) return this.connection.command(this.stateValue);
    return this.queue.shift() ?? { code: Cmd.POLL, data: EMPTY };
  }

  /** A reply addressed to this reader. Returns false if it was not the answer to the command in flight. */
  onReply(frame: DecodedFrame, atMs: number): boolean {
    const sent = this.inFlight;
    // osdp_BUSY: plaintext, sequence 0, no data; the PD did not process the command. Send the same
    // packet again a little later (its MAC state is untouched on both sides); it counts as a try.
    if (sent && frame.code === Reply.BUSY && frame.sequence === 0 && !frame.scb && frame.data.length === 0) {
      this.dueAt = atMs + this.timing.pollIntervalMs;
      return true;
    }
    // We always send CRC, and a PD answers in kind: a checksum reply is noise that happened to fit.
    if (!sent || frame.sequence !== sent.sequence || !frame.crc) {
      this.counters.rejectedReplies++;
      return false;
    }
    let code = frame.code;
    let data = frame.data;
    if (this.session) {
      const opened = this.session.open(frame);
      if (!opened.ok) {
        const nak = !frame.scb && frame.code === Reply.NAK ? ` (NAK ${hex2(frame.data[0] ?? 0)})` : "";
        this.fail(`secure_channel_failed: reply ${opened.why}${nak}`, atMs);
        return true;
      }
      ({ code, data } = opened);
    }
    this.inFlight = null;
    this.lastSequence = sent.sequence;
    this.handle(code, data, frame, atMs);
    return true;
  }

  /** Online: polling replies. Connecting: ReaderConnection says what the answer means; only the reader changes state. */
  private handle(code: number, data: Buffer, frame: DecodedFrame, atMs: number): void {
    if (this.stateValue === "online") {
      this.onlineReply(code, data, atMs);
      return;
    }
    if (!isConnecting(this.stateValue)) return;
    const step = this.connection.onReply(this.stateValue, code, data, frame, atMs);
    if ("fail" in step) {
      this.fail(step.fail, atMs);
      return;
    }
    if (step.session !== undefined) this.session = step.session;
    if (step.next === "keyset") this.beginKeyInstall();
    else if (step.next === "online") this.enter("online", atMs);
    else this.enter(step.next);
  }

  private onlineReply(code: number, data: Buffer, atMs: number): void {
    this.dueAt = this.queue.length > 0 ? atMs : atMs + this.timing.pollIntervalMs;
    switch (code) {
      case Reply.ACK:
        return;
      case Reply.NAK: {
        this.counters.naks++;
        const nak = data[0] ?? NakCode.none;
        if (nak === NakCode.badSequence) {
          this.fail("offline: sequence lost (NAK 0x04)", atMs, false);
          return;
        }
        if (nak === NakCode.secureChannelCondition && this.secure)
          this.fail("secure_channel_failed: the reader dropped the Secure Channel (NAK 0x06)", atMs);
        return;
      }
      default: {
        const status = reportPdData(this.device, this.events, this.local, code, data, atMs);
        if (status === null) this.counters.rejectedReplies++;
        else if (status !== "reported") this.local = status;
      }
    }
  }

  /** Install mode: the bus skips this reader until the new key is stored, then osdp_KEYSET sends it. */
  private beginKeyInstall(): void {
    const install = this.connection.installMode;
    if (!install) return;
    const key = new SecretKey(this.timing.random(16));
    this.stateValue = "keyset";
    this.dueAt = Number.POSITIVE_INFINITY; // the bus skips us until the key is stored
    // Through a promise chain, so a handler that throws instead of rejecting is handled the same.
    Promise.resolve()
      .then(() => install.installKey(key))
      .then(
        () => {
          if (this.stateValue !== "keyset") return;
          this.connection.keyStored(key);
          this.dueAt = this.clock.now();
          this.wake();
        },
        (err: unknown) => {
          const why = err instanceof Error ? err.message : String(err);
          this.fail(`secure_channel_failed: could not store the new key (${why})`, this.clock.now());
        },
      );
  }

  /** No answer within the reply timeout. */
  onTimeout(atMs: number): void {
    const sent = this.inFlight;
    if (!sent) return;
    // A reconnection attempt gets one retry only: a dead reader must not hog a shared bus.
    const allowed = this.stateValue === "id" ? 1 : this.timing.maxRetries;
    if (sent.attempts <= allowed) {
      this.dueAt = atMs;
      return;
    }
    this.fail(`offline: no reply to ${hex2(sent.code)} after ${sent.attempts} attempts`, atMs);
  }

  /** The port is back (reopened on a new bus after it was lost): reconnect from the start. */
  resume(atMs: number): void {
    if (this.stateValue !== "offline") return;
    this.inFlight = null;
    this.dueAt = atMs;
  }

  /** The serial port went away. */
  onLinkLost(detail: string, atMs: number): void {
    this.fail(`offline: ${detail}`, atMs);
    this.dueAt = Number.POSITIVE_INFINITY;
  }

  private enter(state: ReaderState, atMs = this.clock.now()): void {
    this.stateValue = state;
    this.dueAt = atMs;
    if (state !== "online") return;
    this.reconnectDelay = this.timing.reconnectMs;
    this.queue.unshift(
      { code: Cmd.LSTAT, data: EMPTY },
      { code: Cmd.LED, data: encodeLed(feedbackCommands("idle").led) },
    );
    if (this.faultDetail !== null) {
      this.faultDetail = null;
      callSafely(this.events.deviceRecovered, { device: this.device, atMs });
    }
    callSafely(this.events.online, { device: this.device, secure: this.session !== null, atMs });
  }

  /** Drops to offline (fail-secure: no session, no queued output) and reports it once per cause. */
  private fail(detail: string, atMs: number, backoff = true): void {
    this.stateValue = "offline";
    this.inFlight = null;
    this.session = null;
    this.connection.abandonHandshake();
    this.queue = [];
    this.local = {};
    this.dueAt = atMs + (backoff ? this.reconnectDelay : 0);
    if (backoff) this.reconnectDelay = Math.min(this.reconnectDelay * 2, this.timing.maxReconnectMs);
    // One report per outage and cause ("offline", "secure_channel_failed"), not per retry.
    const kind = (d: string | null) => d?.split(":")[0];
    if (kind(this.faultDetail) !== kind(detail)) {
      this.faultDetail = detail;
      callSafely(this.events.deviceFault, { device: this.device, detail, atMs });
    }
  }
}
