import type { BadgeBadRead, BadgeRead } from "../../devices/badge/badge-events.js";
import { Rdm6300Reader } from "../../devices/badge/rdm6300-reader.js";
import { WiegandReader } from "../../devices/badge/wiegand-reader.js";
import { FaultBackoff } from "../../devices/keypad/fault-backoff.js";
import type { Clock, DeviceEvents, GpioLine, SerialLink, Transports } from "../../devices/types.js";
import type { BadgeReaderKind, BadgeSettings } from "../config/badge-schema.js";
import type { Logger } from "../logger.js";

export interface BadgeReaderServiceDeps {
  kind: BadgeReaderKind;
  settings: BadgeSettings;
  transports: Transports;
  clock: Clock;
  log: Logger;
  onBadge: (read: BadgeRead) => void;
  onBadRead: (bad: BadgeBadRead) => void;
  onFault: (e: DeviceEvents["deviceFault"]) => void;
  onRecovered: (e: DeviceEvents["deviceRecovered"]) => void;
}

const DEVICE = "badge_reader";
const RDM6300_BAUD = 9600;

/**
 * The configured badge reader, whichever it is. Wiegand: two GPIO inputs opened with no
 * active-low and no debounce (bits are ~50 µs low pulses on lines idling high). RDM6300: a
 * 9600-baud port; if it vanishes (USB adapter unplugged) that is a device fault, and the port is
 * reopened with back-off until it returns (reported as recovered).
 */
export class BadgeReaderService {
  private wiegand: WiegandReader | null = null;
  private lines: GpioLine[] = [];
  private rdm: Rdm6300Reader | null = null;
  private link: SerialLink | null = null;
  private readonly backoff = new FaultBackoff(1000, 30_000);
  private cancelRetry: (() => void) | null = null;
  private stopped = false;

  constructor(private readonly deps: BadgeReaderServiceDeps) {}

  async start(): Promise<void> {
    this.stopped = false;
    if (this.deps.kind === "wiegand") await this.startWiegand();
    else if (this.deps.kind === "rdm6300") await this.openRdm6300();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.cancelRetry?.();
    this.cancelRetry = null;
    this.wiegand?.stop();
    this.wiegand = null;
    for (const line of this.lines.splice(0)) await line.close().catch(() => undefined);
    this.rdm?.stop();
    this.rdm = null;
    const link = this.link;
    this.link = null;
    await link?.close().catch(() => undefined);
  }

  private async startWiegand(): Promise<void> {
    const { gpio } = this.deps.transports;
    const w = this.deps.settings.wiegand;
    // Deliberately no options: active-low would invert the idle-high bus, debounce would eat the pulses.
    const d0 = await gpio.open(w.d0_line, "in");
    this.lines.push(d0);
    const d1 = await gpio.open(w.d1_line, "in");
    this.lines.push(d1);
    this.wiegand = new WiegandReader({
      d0,
      d1,
      clock: this.deps.clock,
      frameGapMs: w.frame_gap_ms,
      formats: w.formats,
      onBadge: this.deps.onBadge,
      onBadRead: this.deps.onBadRead,
    });
    this.wiegand.start();
  }

  private async openRdm6300(): Promise<void> {
    const { clock } = this.deps;
    const port = this.deps.settings.rdm6300.port;
    let link: SerialLink;
    try {
      link = await this.deps.transports.serial.open(port, RDM6300_BAUD);
    } catch (err) {
      this.failed(`cannot open ${port}: ${(err as Error).message}`);
      return;
    }
    if (this.stopped) {
      await link.close().catch(() => undefined);
      return;
    }
    this.link = link;
    this.rdm = new Rdm6300Reader({
      link,
      clock,
      repeatWindowMs: this.deps.settings.rdm6300.repeat_window_ms,
      onBadge: this.deps.onBadge,
      onBadRead: this.deps.onBadRead,
      onLinkClosed: (err) => {
        if (this.stopped || this.link !== link) return;
        this.rdm?.stop();
        this.rdm = null;
        this.link = null;
        this.failed(`serial port closed${err ? `: ${err.message}` : ""}`);
      },
    });
    this.rdm.start();
    if (this.backoff.succeeded(clock.now()) !== null)
      this.deps.onRecovered({ device: DEVICE, atMs: clock.now() });
  }

  private failed(detail: string): void {
    const { clock } = this.deps;
    const { delayMs, started } = this.backoff.failed(clock.now());
    if (started) this.deps.onFault({ device: DEVICE, detail, atMs: clock.now() });
    else this.deps.log.debug({ detail, delayMs }, "badge reader still unavailable");
    this.cancelRetry = clock.setTimeout(() => {
      this.cancelRetry = null;
      if (!this.stopped) void this.openRdm6300();
    }, delayMs);
  }
}
