import { FingerprintFrameParser } from "../devices/fingerprint/frame-parser.js";
import {
  Command,
  Confirm,
  DEFAULT_ADDRESS,
  encodeAck,
  type FingerprintPacket,
  Pid,
  SOFT_RESET_HANDSHAKE,
  u16,
  u32,
} from "../devices/fingerprint/packet-codec.js";
import type { Clock, SerialLink } from "../devices/types.js";

/** How the sensor sees the finger currently on it. */
export type FingerQuality = "good" | "messy" | "few_features" | "invalid";

export interface AuraLedState {
  control: number;
  speed: number;
  colour: number;
  count: number;
}

export interface VirtualR503Options {
  clock: Clock;
  password?: number;
  address?: number;
  librarySize?: number;
  /** Match score reported for a hit. */
  matchScore?: number;
}

/**
 * A simulated R503 on the device end of a serial link. Templates are opaque finger ids
 * ("alice-right-index"); a search matches when the captured finger id equals a stored one.
 */
export class VirtualR503 {
  readonly librarySize: number;
  readonly address: number;
  password: number;
  matchScore: number;
  /** Delay before every answer (a slow or busy module). */
  busyMs = 0;
  /** Answer nothing at all (a dead module, a crossed TX/RX). */
  silent = false;
  /** Random bytes written before every answer. */
  noiseBytesBeforeAnswer = 0;
  /** The next N answers go out with a corrupted checksum. */
  corruptNextAnswers = 0;
  /** Store answers 18 (flash error) while set. */
  flashFails = false;
  /** GenImg answers 03 (imaging failed) while set. */
  imagingFails = false;
  /** While set, every command is answered with only this confirmation code (e.g. 0x01, a confused module). */
  answerEveryCommandWith: number | null = null;
  /** Commands the module never answers (e.g. only Search fails while the handshake works). */
  readonly unanswered = new Set<number>();
  /** Commands answered with only the given confirmation code, whatever they ask. */
  readonly forcedAnswers = new Map<number, number>();
  /** A Search hit is answered "ok" without its page and score. */
  malformedSearch = false;
  /** Answers are replaced by bytes of the same length that never form a frame. */
  garbage = false;
  /** Last AuraLedConfig received, for tests and the panel. */
  led: AuraLedState | null = null;
  passwordVerified = false;

  private readonly clock: Clock;
  private readonly slots = new Map<number, string>();
  private finger: { id: string; quality: FingerQuality } | null = null;
  private image: { id: string; quality: FingerQuality } | null = null;
  private charBuffers: [string | null, string | null] = [null, null];
  private link: SerialLink | null = null;
  private detach: (() => void)[] = [];
  private writeChain: Promise<void> = Promise.resolve();
  private commandObservers = new Set<(code: number, confirm: number) => void>();
  private readonly parser = new FingerprintFrameParser((packet) => this.handle(packet));

  constructor(opts: VirtualR503Options) {
    this.clock = opts.clock;
    this.password = opts.password ?? 0;
    this.address = opts.address ?? DEFAULT_ADDRESS;
    this.librarySize = opts.librarySize ?? 200;
    this.matchScore = opts.matchScore ?? 120;
  }

  /** Connects to a link (sim or real); any previous link is forgotten. Module memory survives. */
  attach(link: SerialLink): void {
    for (const off of this.detach) off();
    this.link = link;
    this.parser.reset();
    this.passwordVerified = false;
    this.detach = [
      link.onData((chunk) => this.parser.push(chunk)),
      link.onClose(() => {
        if (this.link === link) this.link = null;
      }),
    ];
  }

  // ---- things a person does ----
  placeFinger(fingerId: string, quality: FingerQuality = "good"): void {
    this.finger = { id: fingerId, quality };
  }

  liftFinger(): void {
    this.finger = null;
  }

  /** Test setup: a template already in flash. */
  preload(slot: number, fingerId: string): void {
    this.slots.set(slot, fingerId);
  }

  templateAt(slot: number): string | undefined {
    return this.slots.get(slot);
  }

  get templateCount(): number {
    return this.slots.size;
  }

  /** Observes each answered command (code, confirmation) — e.g. to wait for a poll. */
  onCommand(cb: (code: number, confirm: number) => void): () => void {
    this.commandObservers.add(cb);
    return () => this.commandObservers.delete(cb);
  }

  get parserStats() {
    return this.parser.stats;
  }

  // ---- the module's firmware ----
  private handle(packet: FingerprintPacket): void {
    if (packet.pid !== Pid.command || packet.address !== this.address) return;
    const code = packet.payload[0] as number;
    const params = packet.payload.subarray(1);
    if (code === Command.SoftReset) {
      this.charBuffers = [null, null];
      this.image = null;
      this.passwordVerified = false;
      this.send(Buffer.of(SOFT_RESET_HANDSHAKE), code, Confirm.ok);
      return;
    }
    if (this.unanswered.has(code)) return;
    const forced = this.answerEveryCommandWith ?? this.forcedAnswers.get(code) ?? null;
    const [confirm, data] = forced === null ? this.execute(code, params) : [forced, undefined];
    const malformed = code === Command.Search && confirm === Confirm.ok && this.malformedSearch;
    this.send(encodeAck(confirm, malformed ? undefined : data, this.address), code, confirm);
  }

  private execute(code: number, p: Buffer): [number, Buffer?] {
    switch (code) {
      case Command.VfyPwd: {
        if (p.length < 4) return [Confirm.packetError];
        this.passwordVerified = p.readUInt32BE(0) === this.password >>> 0;
        return [this.passwordVerified ? Confirm.ok : Confirm.wrongPassword];
      }
      case Command.GenImg: {
        if (!this.finger) return [Confirm.noFinger];
        if (this.imagingFails) return [Confirm.imagingFailed];
        this.image = { ...this.finger };
        return [Confirm.ok];
      }
      case Command.Img2Tz: {
        const buffer = p[0];
        if (buffer !== 1 && buffer !== 2) return [Confirm.invalidRegister];
        if (!this.image || this.image.quality === "invalid") return [Confirm.invalidImage];
        if (this.image.quality === "messy") return [Confirm.messyImage];
        if (this.image.quality === "few_features") return [Confirm.fewFeatures];
        this.charBuffers[buffer - 1] = this.image.id;
        return [Confirm.ok];
      }
      case Command.RegModel: {
        const [a, b] = this.charBuffers;
        if (!a || a !== b) return [Confirm.mismatch];
        return [Confirm.ok];
      }
      case Command.Store: {
        if (p.length < 3) return [Confirm.packetError];
        const template = this.charBuffers[(p[0] === 2 ? 2 : 1) - 1];
        const page = p.readUInt16BE(1);
        if (page >= this.librarySize) return [Confirm.badLocation];
        if (this.flashFails) return [Confirm.flashError];
        if (!template) return [Confirm.readError];
        this.slots.set(page, template);
        return [Confirm.ok];
      }
      case Command.Search: {
        if (p.length < 5) return [Confirm.packetError];
        const template = this.charBuffers[(p[0] === 2 ? 2 : 1) - 1];
        const start = p.readUInt16BE(1);
        const end = Math.min(start + p.readUInt16BE(3), this.librarySize);
        for (let page = start; page < end; page++) {
          if (template && this.slots.get(page) === template) {
            return [Confirm.ok, Buffer.concat([u16(page), u16(this.matchScore)])];
          }
        }
        return [Confirm.notFound, Buffer.alloc(4)];
      }
      case Command.DeleteChar: {
        if (p.length < 4) return [Confirm.packetError];
        const page = p.readUInt16BE(0);
        const count = p.readUInt16BE(2);
        if (count === 0 || page + count > this.librarySize) return [Confirm.deleteFailed];
        for (let i = page; i < page + count; i++) this.slots.delete(i);
        return [Confirm.ok];
      }
      case Command.Empty:
        this.slots.clear();
        return [Confirm.ok];
      case Command.TemplateNum:
        return [Confirm.ok, u16(this.slots.size)];
      case Command.ReadSysPara:
        return [Confirm.ok, this.systemParameters()];
      case Command.ReadIndexTable:
        return [Confirm.ok, this.indexTable(p[0] ?? 0)];
      case Command.AuraLedConfig: {
        if (p.length < 4) return [Confirm.packetError];
        this.led = {
          control: p[0] as number,
          speed: p[1] as number,
          colour: p[2] as number,
          count: p[3] as number,
        };
        return [Confirm.ok];
      }
      default:
        return [Confirm.packetError];
    }
  }

  /** 16 bytes: status, system id, library size, security level, address, packet size code, baud factor. */
  private systemParameters(): Buffer {
    return Buffer.concat([u16(0), u16(0), u16(this.librarySize), u16(3), u32(this.address), u16(2), u16(6)]);
  }

  /** 32 bytes = 256 slots of page `page`; slot n is bit (n % 8) of byte (n / 8), LSB first (unverified). */
  private indexTable(page: number): Buffer {
    const table = Buffer.alloc(32);
    for (const slot of this.slots.keys()) {
      const rel = slot - page * 256;
      if (rel >= 0 && rel < 256) table[rel >> 3] = (table[rel >> 3] as number) | (1 << (rel & 7));
    }
    return table;
  }

  private send(frame: Buffer, code: number, confirm: number): void {
    for (const cb of this.commandObservers) cb(code, confirm);
    if (this.silent) return;
    let out = this.garbage ? Buffer.alloc(frame.length, 0x5a) : frame;
    if (this.corruptNextAnswers > 0 && frame.length > 2) {
      this.corruptNextAnswers--;
      out = Buffer.from(frame);
      out[out.length - 1] = (out[out.length - 1] as number) ^ 0x5a;
    }
    if (this.noiseBytesBeforeAnswer > 0) {
      const noise = Buffer.from(
        Array.from({ length: this.noiseBytesBeforeAnswer }, (_, i) => (i * 37 + 0xef) & 0xff),
      );
      out = Buffer.concat([noise, out]);
    }
    const link = this.link;
    if (!link) return;
    const write = async () => {
      if (this.busyMs > 0) await new Promise<void>((r) => this.clock.setTimeout(r, this.busyMs));
      if (this.link === link) await link.write(out).catch(() => undefined);
    };
    // Answers go out one at a time, in order: the link forbids overlapping writes.
    this.writeChain = this.writeChain.then(write);
  }
}
