import { encodeRdm6300Frame } from "../devices/badge/rdm6300-parser.js";
import type { Clock } from "../devices/types.js";

/** The wire the module transmits on: the device end of a (simulated) serial link. */
export interface ByteSink {
  write(bytes: Buffer): void;
}

export interface VirtualRdm6300Options {
  wire: ByteSink;
  clock: Clock;
  /** Interval between repeated frames while a tag is held in the field. */
  repeatMs?: number;
}

/**
 * An RDM6300 125 kHz reader on the TX side of a serial line: while a tag is in the field it sends
 * the tag's 14-byte frame at once and then every repeatMs, exactly as the module does (it never
 * listens). Fault knobs add line noise, corrupt checksums or split frames into small chunks.
 */
export class VirtualRdm6300 {
  private readonly wire: ByteSink;
  private readonly clock: Clock;
  private readonly repeatMs: number;
  private rawHex: string | null = null;
  private cancelRepeat: (() => void) | null = null;
  /** Bumped by present/remove so a send interrupted by either (re-entrantly, from a listener) does not re-arm. */
  private generation = 0;

  /** Fault knob: frames are sent with a wrong checksum (one bit flipped). */
  corruptChecksum = false;
  /** Fault knob: these bytes are sent just before every frame (interference, a bouncing connector). */
  noiseBeforeEachFrame: Buffer | null = null;
  /** Fault knob: each frame is written in chunks of this many bytes, as a USB adapter may deliver it. */
  chunkBytes = 14;

  constructor(opts: VirtualRdm6300Options) {
    this.wire = opts.wire;
    this.clock = opts.clock;
    this.repeatMs = opts.repeatMs ?? 250;
  }

  /** The tag in the field (version + tag, 10 upper-case hex digits), or null. */
  get presenting(): string | null {
    return this.rawHex;
  }

  /**
   * Brings a tag into the field: 10 hex digits (version + 32-bit tag), or 8 (the tag, version 00).
   * Replaces any tag already present. The first frame is sent immediately.
   */
  present(tagHex: string): void {
    const rawHex = (tagHex.length === 8 ? `00${tagHex}` : tagHex).toUpperCase();
    encodeRdm6300Frame(rawHex); // validates before anything is sent
    this.remove();
    this.rawHex = rawHex;
    this.sendAndRearm(this.generation);
  }

  /** Takes the tag out of the field: the frames stop. */
  remove(): void {
    this.cancelRepeat?.();
    this.cancelRepeat = null;
    this.rawHex = null;
    this.generation++;
  }

  /** Sends arbitrary bytes now (noise on the line, a partial frame). */
  noise(bytes: Buffer | number[]): void {
    this.wire.write(Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes));
  }

  /** Stops all activity; leaves no timer behind. */
  dispose(): void {
    this.remove();
  }

  private sendAndRearm(generation: number): void {
    if (!this.rawHex || generation !== this.generation) return;
    if (this.noiseBeforeEachFrame) this.wire.write(this.noiseBeforeEachFrame);
    const frame = encodeRdm6300Frame(this.rawHex, { corruptChecksum: this.corruptChecksum });
    const step = Math.max(1, this.chunkBytes);
    for (let i = 0; i < frame.length; i += step) this.wire.write(frame.subarray(i, i + step));
    if (generation !== this.generation) return;
    this.cancelRepeat = this.clock.setTimeout(() => this.sendAndRearm(generation), this.repeatMs);
  }
}
