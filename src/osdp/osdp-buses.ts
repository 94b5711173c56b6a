import type { CardFormat } from "../../devices/badge/card-formats.js";
import { FaultBackoff } from "../../devices/keypad/fault-backoff.js";
import { OsdpBus } from "../../devices/osdp/osdp-bus.js";
import { type DeviceEventSink, osdpToDeviceEvents } from "../../devices/osdp/osdp-device-events.js";
import { OsdpReader, type OsdpReaderEvents } from "../../devices/osdp/osdp-reader.js";
import type { SecretKey } from "../../devices/osdp/secure-channel.js";
import type { Clock, SerialLink, Transports } from "../../devices/types.js";
import type { OsdpReaderSettings } from "../config/door-schema.js";
import type { Logger } from "../logger.js";
import type { OsdpStatusRecorder } from "./reader-status.js";

/** Config spelling → the card format codec's name. */
export const CARD_FORMAT_OF: Record<OsdpReaderSettings["format"], CardFormat> = {
  h10301: "H10301",
  h10306: "H10306",
  h10304: "H10304",
  corp1000: "C1000_35",
  raw: "raw",
};

/** Where the readers' keys come from (OsdpKeyStore, or a map in tests). */
export interface OsdpKeySource {
  get(readerId: string): SecretKey | null;
}

export interface OsdpAttachment {
  settings: OsdpReaderSettings;
  /** The device name in events (the door unit renames it on a listed config). */
  device: string;
  sink: DeviceEventSink;
  extra?: Pick<OsdpReaderEvents, "tamper" | "power" | "identity" | "online">;
}

interface Line {
  port: string;
  baud: number;
  readers: OsdpAttachment[];
  /** The readers that are polled (a secure reader without a key never is). */
  polled: Array<{ a: OsdpAttachment; reader: OsdpReader }>;
  link: SerialLink | null;
  bus: OsdpBus | null;
  backoff: FaultBackoff;
  cancelRetry: (() => void) | null;
}

/**
 * Every OSDP bus of the controller: one per serial port, shared by every reader on it whichever
 * door it belongs to (a port is opened once). Doors attach their readers while starting; start()
 * then opens the ports and polls. A reader that needs Secure Channel and has no stored key is
 * never polled: it stays offline with `secure_channel_failed` (no downgrade) until
 * `doorward osdp install` gives it one.
 */
export class OsdpBuses {
  private readonly lines = new Map<string, Line>();
  private readonly readers = new Map<string, OsdpReader>();
  private started = false;
  private stopped = false;

  constructor(
    private readonly deps: {
      transports: Transports;
      clock: Clock;
      logger: Logger;
      keys: OsdpKeySource;
      /** Idle poll period per reader (≤ 50 ms; the reader clamps it). */
      pollIntervalMs?: number;
      /** Records each reader's identity and link state for doctor and the admin page. */
      status?: Pick<OsdpStatusRecorder, "identified" | "online" | "fault" | "stopped">;
    },
  ) {}

  /** The reader of this id once its bus started; null if it has none (no key, port missing). */
  reader(readerId: string): OsdpReader | null {
    return this.readers.get(readerId) ?? null;
  }

  attach(a: OsdpAttachment): void {
    if (this.started) throw new Error("attach OSDP readers before start()");
    const { port, baud } = a.settings;
    const line = this.lines.get(port) ?? {
      port,
      baud,
      readers: [],
      polled: [],
      link: null,
      bus: null,
      backoff: new FaultBackoff(1000, 30_000),
      cancelRetry: null,
    };
    this.lines.set(port, line);
    line.readers.push(this.recorded(a));
  }

  /**
   * The attachment with its identity, online and fault events also recorded (after the door has
   * had them: the door's fail-secure handling comes first). Every fault path goes through the
   * sink, so a reader never polled for want of a key and a port that cannot open are recorded too.
   */
  private recorded(a: OsdpAttachment): OsdpAttachment {
    const status = this.deps.status;
    if (!status) return a;
    const id = a.settings.id;
    const { sink, extra = {} } = a;
    return {
      ...a,
      sink: {
        badgeRead: (e) => sink.badgeRead(e),
        badgeBadRead: (e) => sink.badgeBadRead(e),
        keyPressed: (e) => sink.keyPressed(e),
        deviceFault: (e) => {
          sink.deviceFault(e);
          status.fault(id, e.detail, e.atMs);
        },
        deviceRecovered: (e) => sink.deviceRecovered(e),
      },
      extra: {
        ...extra,
        identity: (e) => {
          extra.identity?.(e);
          status.identified(id, e.identity, e.atMs);
        },
        online: (e) => {
          extra.online?.(e);
          status.online(id, e.secure, e.atMs);
        },
      },
    };
  }

  async start(): Promise<void> {
    this.started = true;
    for (const line of this.lines.values()) await this.startLine(line);
  }

  private async startLine(line: Line): Promise<void> {
    const { clock } = this.deps;
    const ready: Array<{ a: OsdpAttachment; key: SecretKey | null }> = [];
    for (const a of line.readers) {
      const found = a.settings.secure ? this.keyOf(a) : { key: null };
      if (a.settings.secure && !found.key) {
        const why =
          "error" in found
            ? found.error
            : `no key stored for this reader (run \`doorward osdp install ${a.settings.id}\`)`;
        a.sink.deviceFault({ device: a.device, detail: `secure_channel_failed: ${why}`, atMs: clock.now() });
        continue;
      }
      ready.push({ a, key: found.key });
    }
    if (ready.length === 0) return;
    for (const { a, key } of ready) {
      const reader = new OsdpReader({
        device: a.device,
        address: a.settings.address,
        clock,
        secure: a.settings.secure,
        key,
        pollIntervalMs: this.deps.pollIntervalMs,
        events: osdpToDeviceEvents(CARD_FORMAT_OF[a.settings.format], a.sink, a.extra),
      });
      line.polled.push({ a, reader });
      this.readers.set(a.settings.id, reader);
    }
    await this.openLine(line);
  }

  /**
   * Opens the port and polls its readers on a fresh bus. A port that cannot be opened, or that
   * goes away (USB adapter unplugged), is retried with back-off; meanwhile its readers are
   * offline faults (fail-secure) and they reconnect, Secure Channel included, once it is back.
   */
  private async openLine(line: Line): Promise<void> {
    const { clock } = this.deps;
    if (this.stopped) return;
    let link: SerialLink;
    try {
      link = await this.deps.transports.serial.open(line.port, line.baud);
    } catch (err) {
      const { delayMs, started } = line.backoff.failed(clock.now());
      if (started)
        for (const { a } of line.polled)
          a.sink.deviceFault({
            device: a.device,
            detail: `offline: cannot open ${line.port}: ${(err as Error).message}`,
            atMs: clock.now(),
          });
      line.cancelRetry = clock.setTimeout(() => void this.openLine(line), delayMs);
      return;
    }
    if (this.stopped) {
      await link.close().catch(() => undefined);
      return;
    }
    line.backoff.succeeded(clock.now());
    const bus = new OsdpBus({ link, clock });
    for (const { reader } of line.polled) {
      reader.resume(clock.now());
      bus.add(reader);
    }
    line.link = link;
    line.bus = bus;
    // Registered after start, so it runs after the bus's own handler has faulted the readers.
    bus.start();
    link.onClose(() => {
      if (this.stopped || line.link !== link) return;
      line.link = null;
      line.bus = null;
      const { delayMs } = line.backoff.failed(clock.now());
      line.cancelRetry = clock.setTimeout(() => void this.openLine(line), delayMs);
    });
  }

  private keyOf(a: OsdpAttachment): { key: SecretKey | null } | { key: null; error: string } {
    try {
      return { key: this.deps.keys.get(a.settings.id) };
    } catch (err) {
      // OsdpKeyStore's messages name the file and the reader, never key material.
      return { key: null, error: (err as Error).message };
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    const ids = [...this.lines.values()].flatMap((l) => l.readers.map((a) => a.settings.id));
    this.deps.status?.stopped(ids, this.deps.clock.now());
    for (const line of this.lines.values()) {
      line.cancelRetry?.();
      line.cancelRetry = null;
      line.bus?.stop();
      line.bus = null;
      const link = line.link;
      line.link = null;
      await link?.close().catch(() => undefined);
    }
    this.readers.clear();
  }
}
