import type { Clock, SerialLink } from "../types.js";
import { FingerprintFrameParser } from "./frame-parser.js";
import { Command, DEFAULT_ADDRESS, encodeCommand, type FingerprintPacket, Pid } from "./packet-codec.js";
import { FingerprintTimeoutError, FingerprintUnavailableError } from "./r503-errors.js";

export interface R503Ack {
  /** Confirmation code. */
  code: number;
  /** Bytes after the confirmation code. */
  data: Buffer;
  /** Clock time the ack was parsed. */
  atMs: number;
}

/**
 * Ack payload sizes (confirmation code included) for commands that return data. Acks carry no
 * command id, so a late ack to a timed-out command could be taken as the answer to the next one;
 * checking the size rejects most such mix-ups. Short error acks (code only) are always accepted.
 */
const ACK_PAYLOAD_BYTES: Partial<Record<number, number>> = {
  [Command.Search]: 5,
  [Command.TemplateNum]: 3,
  [Command.ReadSysPara]: 17,
  [Command.ReadIndexTable]: 33,
};

interface Pending {
  command: number;
  resolve: (ack: R503Ack) => void;
  reject: (err: Error) => void;
  cancelTimer: () => void;
}

/**
 * One R503 command in flight at a time over a SerialLink. Commands issued while one is
 * pending wait their turn; each has a timeout; frames arriving with nothing pending are dropped.
 */
export class R503Channel {
  private pending: Pending | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private closed = false;
  private readonly parser = new FingerprintFrameParser((packet) => this.onPacket(packet));
  private readonly offData: () => void;
  /** Acks that matched no pending command. */
  unsolicitedFrames = 0;

  constructor(
    private readonly link: SerialLink,
    private readonly clock: Clock,
    private readonly address = DEFAULT_ADDRESS,
    private readonly defaultTimeoutMs = 1000,
  ) {
    this.offData = link.onData((chunk) => this.parser.push(chunk));
  }

  get stats() {
    return { ...this.parser.stats, unsolicitedFrames: this.unsolicitedFrames };
  }

  /** Sends a command and resolves with its ack (any confirmation code); rejects on timeout/close. */
  send(command: number, params?: Uint8Array, timeoutMs = this.defaultTimeoutMs): Promise<R503Ack> {
    const run = () => this.sendNow(command, params, timeoutMs);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  /** Stops listening; a pending command rejects. Does not close the link (its owner does). */
  dispose(reason = "fingerprint channel closed"): void {
    if (this.closed) return;
    this.closed = true;
    this.offData();
    this.fail(new FingerprintUnavailableError(reason));
  }

  private async sendNow(
    command: number,
    params: Uint8Array | undefined,
    timeoutMs: number,
  ): Promise<R503Ack> {
    if (this.closed) throw new FingerprintUnavailableError("fingerprint channel closed");
    const frame = encodeCommand(command, params, this.address);
    const answer = new Promise<R503Ack>((resolve, reject) => {
      const entry: Pending = { command, resolve, reject, cancelTimer: () => undefined };
      entry.cancelTimer = this.clock.setTimeout(() => {
        if (this.pending !== entry) return;
        this.pending = null;
        reject(new FingerprintTimeoutError(command, timeoutMs));
      }, timeoutMs);
      this.pending = entry;
    });
    // dispose() or a timeout can reject the answer while the write below is still in flight, before
    // anything awaits it: mark it handled now (the caller still gets the rejection from `return`).
    answer.catch(() => undefined);
    try {
      await this.link.write(frame);
    } catch (err) {
      this.fail(err instanceof Error ? err : new Error(String(err)));
    }
    return answer;
  }

  private fail(err: Error): void {
    const pending = this.pending;
    this.pending = null;
    pending?.cancelTimer();
    pending?.reject(err);
  }

  private onPacket(packet: FingerprintPacket): void {
    const pending = this.pending;
    const expected = pending ? ACK_PAYLOAD_BYTES[pending.command] : undefined;
    const acceptable =
      pending &&
      packet.pid === Pid.ack &&
      packet.address === this.address &&
      packet.payload.length >= 1 &&
      (expected === undefined || packet.payload.length === expected || packet.payload.length === 1);
    if (!pending || !acceptable) {
      this.unsolicitedFrames++;
      return;
    }
    this.pending = null;
    pending.cancelTimer();
    pending.resolve({
      code: packet.payload[0] as number,
      data: packet.payload.subarray(1),
      atMs: this.clock.now(),
    });
  }
}
