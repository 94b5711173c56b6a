import type { Clock, SerialLink, SerialPortOpener } from "../devices/types.js";

/** Faults applied to bytes travelling in one direction of a simulated serial line. */
export interface SimLineFaults {
  /** Delay (on the injected clock) before bytes reach the far end. 0 = next microtask. */
  latencyMs: number;
  /** Swallow everything: the far end hears nothing. */
  silent: boolean;
  /** Chance that each byte is lost. */
  dropProbability: number;
  /** Chance that a chunk is preceded by random noise bytes. */
  noiseProbability: number;
  /** Up to this many noise bytes per noisy chunk. */
  maxNoiseBytes: number;
  /**
   * Time a write() takes to drain on the injected clock (a 12-byte frame at 57600 baud takes
   * about 2 ms). 0 = it completes in the next microtask. With it, a write is still in flight
   * when timers fire, as on a real port.
   */
  writeMs: number;
}

export function noFaults(): SimLineFaults {
  return {
    latencyMs: 0,
    silent: false,
    dropProbability: 0,
    noiseProbability: 0,
    maxNoiseBytes: 8,
    writeMs: 0,
  };
}

type DataListener = (chunk: Buffer) => void;
type CloseListener = (err?: Error) => void;

/**
 * One end of a simulated serial line. Enforces the SerialLink contract like a real port would:
 * overlapping writes and writes after close reject; onClose fires once, with an Error on unplug.
 */
export class SimSerialEnd implements SerialLink {
  private dataListeners = new Set<DataListener>();
  private closeListeners = new Set<CloseListener>();
  private writing = false;
  private closedFlag = false;
  /** Set by the line: where written bytes go. */
  peer: SimSerialEnd | null = null;
  /** Bytes this end has written (handy for asserting what went on the wire). */
  bytesWritten = 0;

  constructor(
    private readonly clock: Clock,
    /** Faults on bytes this end transmits. */
    readonly outbound: SimLineFaults,
    private readonly random: () => number,
    readonly label: string,
  ) {}

  get closed(): boolean {
    return this.closedFlag;
  }

  async write(bytes: Buffer): Promise<void> {
    if (this.closedFlag) throw new Error(`${this.label}: write after close`);
    if (this.writing) throw new Error(`${this.label}: overlapping write`);
    this.writing = true;
    try {
      // Yield once so a second write issued without awaiting the first is caught as overlapping.
      await Promise.resolve();
      if (this.outbound.writeMs > 0)
        await new Promise<void>((resolve) => this.clock.setTimeout(resolve, this.outbound.writeMs));
      if (this.closedFlag) throw new Error(`${this.label}: port closed during write`);
      this.bytesWritten += bytes.length;
      this.transmit(Buffer.from(bytes));
    } finally {
      this.writing = false;
    }
  }

  onData(cb: DataListener): () => void {
    this.dataListeners.add(cb);
    return () => this.dataListeners.delete(cb);
  }

  onClose(cb: CloseListener): () => void {
    this.closeListeners.add(cb);
    return () => this.closeListeners.delete(cb);
  }

  async close(): Promise<void> {
    this.shutDown();
  }

  /** Puts bytes on the wire toward the peer as if the far side had sent them (line noise, tests). */
  inject(bytes: Buffer): void {
    this.peer?.receive(Buffer.from(bytes));
  }

  private transmit(bytes: Buffer): void {
    const f = this.outbound;
    if (f.silent || !this.peer) return;
    let out = bytes;
    if (f.dropProbability > 0) out = Buffer.from(out.filter(() => this.random() >= f.dropProbability));
    if (f.noiseProbability > 0 && this.random() < f.noiseProbability) {
      const count = 1 + Math.floor(this.random() * f.maxNoiseBytes);
      const noise = Buffer.from(Array.from({ length: count }, () => Math.floor(this.random() * 256)));
      out = Buffer.concat([noise, out]);
    }
    if (out.length === 0) return;
    const peer = this.peer;
    if (f.latencyMs > 0) this.clock.setTimeout(() => peer.receive(out), f.latencyMs);
    // Never deliver inside write(): a reply arriving re-entrantly would surprise both ends.
    else queueMicrotask(() => peer.receive(out));
  }

  /** Called by the peer (or the line) with bytes arriving at this end. */
  receive(chunk: Buffer): void {
    if (this.closedFlag) return;
    for (const listener of [...this.dataListeners]) listener(chunk);
  }

  /** Closes this end; err is passed to onClose listeners (an unplug) or omitted (close()). */
  shutDown(err?: Error): void {
    if (this.closedFlag) return;
    this.closedFlag = true;
    const listeners = [...this.closeListeners];
    this.closeListeners.clear();
    this.dataListeners.clear();
    for (const listener of listeners) listener(err);
  }
}

/** A simulated cable with a host end (the controller's port) and a device end (a virtual chip). */
export class SimSerialLine {
  readonly host: SimSerialEnd;
  readonly device: SimSerialEnd;

  constructor(
    clock: Clock,
    opts: { random?: () => number; toDevice?: SimLineFaults; toHost?: SimLineFaults } = {},
  ) {
    const random = opts.random ?? Math.random;
    this.host = new SimSerialEnd(clock, opts.toDevice ?? noFaults(), random, "sim serial host");
    this.device = new SimSerialEnd(clock, opts.toHost ?? noFaults(), random, "sim serial device");
    this.host.peer = this.device;
    this.device.peer = this.host;
  }

  /** Faults on bytes the controller sends. */
  get toDevice(): SimLineFaults {
    return this.host.outbound;
  }

  /** Faults on bytes the virtual device sends. */
  get toHost(): SimLineFaults {
    return this.device.outbound;
  }

  /** The USB adapter vanished: both ends close with an error. */
  unplug(err = new Error("serial adapter unplugged")): void {
    this.host.shutDown(err);
    this.device.shutDown(err);
  }
}

export function createSimSerialPair(clock: Clock, opts?: { random?: () => number }): SimSerialLine {
  return new SimSerialLine(clock, opts);
}

/** A virtual chip that speaks over the device end of a line (re-attached on every open). */
export interface SimSerialDevice {
  attach(link: SerialLink): void;
}

interface SimPortEntry {
  device: SimSerialDevice;
  plugged: boolean;
  toDevice: SimLineFaults;
  toHost: SimLineFaults;
  line: SimSerialLine | null;
}

/** Opens simulated ports by path; each path leads to a virtual device that survives unplug/replug. */
export class SimSerialOpener implements SerialPortOpener {
  private ports = new Map<string, SimPortEntry>();
  /** Every open attempt, for asserting back-off timings. */
  readonly attempts: { path: string; atMs: number; ok: boolean }[] = [];

  constructor(
    private readonly clock: Clock,
    private readonly random: () => number = Math.random,
  ) {}

  addDevice(path: string, device: SimSerialDevice): void {
    this.ports.set(path, { device, plugged: true, toDevice: noFaults(), toHost: noFaults(), line: null });
  }

  async open(path: string, _baudRate: number): Promise<SerialLink> {
    const entry = this.ports.get(path);
    const fail = (why: string) => {
      this.attempts.push({ path, atMs: this.clock.now(), ok: false });
      return new Error(`cannot open ${path}: ${why}`);
    };
    if (!entry) throw fail("no such port");
    if (!entry.plugged) throw fail("no such port (unplugged)");
    if (entry.line && !entry.line.host.closed) throw fail("port is busy");
    const line = new SimSerialLine(this.clock, {
      random: this.random,
      toDevice: entry.toDevice,
      toHost: entry.toHost,
    });
    entry.line = line;
    entry.device.attach(line.device);
    this.attempts.push({ path, atMs: this.clock.now(), ok: true });
    return line.host;
  }

  /** The cable currently open on path, if any. */
  line(path: string): SimSerialLine | null {
    return this.ports.get(path)?.line ?? null;
  }

  /** Fault settings for path; they persist across reopen. */
  faults(path: string): { toDevice: SimLineFaults; toHost: SimLineFaults } {
    const entry = this.entry(path);
    return { toDevice: entry.toDevice, toHost: entry.toHost };
  }

  unplug(path: string): void {
    const entry = this.entry(path);
    entry.plugged = false;
    entry.line?.unplug(new Error(`${path} disconnected`));
  }

  replug(path: string): void {
    this.entry(path).plugged = true;
  }

  private entry(path: string): SimPortEntry {
    const entry = this.ports.get(path);
    if (!entry) throw new Error(`no simulated device at ${path}`);
    return entry;
  }
}
