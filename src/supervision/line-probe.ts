import { FaultBackoff } from "../../devices/keypad/fault-backoff.js";
import type { Clock, DeviceEvents, GpioLine } from "../../devices/types.js";

export interface LineProbeOptions {
  /** Device name in events and audit rows ("lock", "door_contact", "rex"). */
  device: string;
  line: GpioLine;
  clock: Clock;
  /** Read-back period while healthy. 1 s: a dead line is a fault within intervalMs + timeoutMs. */
  intervalMs?: number;
  /** A read that has not settled after this long counts as a failure (a hung expander). */
  timeoutMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  onFault(event: DeviceEvents["deviceFault"]): void;
  onRecovered(event: DeviceEvents["deviceRecovered"]): void;
}

/**
 * Reads a GPIO line back periodically so an output we rarely write (the lock relay) or an input
 * that rarely changes (the door contact) is known to answer. Like the keypad, it reports on the
 * first failed read, then retries with back-off and reports the first success after that.
 */
export class LineProbe {
  private readonly backoff: FaultBackoff;
  private cancelTimer: (() => void) | null = null;
  private running = false;

  constructor(private readonly opts: LineProbeOptions) {
    this.backoff = new FaultBackoff(opts.backoffInitialMs ?? 500, opts.backoffMaxMs ?? 5000);
  }

  get faulted(): boolean {
    return this.backoff.faulted;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.schedule(this.opts.intervalMs ?? 1000);
  }

  stop(): void {
    this.running = false;
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** One read-back; resolves when its outcome has been reported. */
  async probe(): Promise<void> {
    const { clock, device } = this.opts;
    let detail: string | null = null;
    try {
      await this.readWithTimeout();
    } catch (err) {
      detail = err instanceof Error ? err.message : String(err);
    }
    if (!this.running) return;
    const now = clock.now();
    if (detail === null) {
      if (this.backoff.succeeded(now) !== null) this.opts.onRecovered({ device, atMs: now });
      this.schedule(this.opts.intervalMs ?? 1000);
      return;
    }
    const { started, delayMs } = this.backoff.failed(now);
    if (started) this.opts.onFault({ device, detail, atMs: now });
    this.schedule(delayMs);
  }

  private readWithTimeout(): Promise<unknown> {
    const timeoutMs = this.opts.timeoutMs ?? 500;
    return new Promise((resolve, reject) => {
      const cancel = this.opts.clock.setTimeout(
        () => reject(new Error(`no answer within ${timeoutMs} ms`)),
        timeoutMs,
      );
      this.opts.line.read().then(
        (level) => {
          cancel();
          resolve(level);
        },
        (err) => {
          cancel();
          reject(err);
        },
      );
    });
  }

  private schedule(delayMs: number): void {
    if (!this.running) return;
    this.cancelTimer?.();
    this.cancelTimer = this.opts.clock.setTimeout(() => {
      this.cancelTimer = null;
      void this.probe();
    }, delayMs);
  }
}
