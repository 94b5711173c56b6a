import { spawn } from "node:child_process";
import type { Clock } from "./types.js";

/** Runs a command and resolves with its exit code; rejects if it cannot be started (ENOENT). */
export type NotifySpawner = (command: string, args: string[]) => Promise<number | null>;

export interface SystemdNotifierOptions {
  /** Environment to read NOTIFY_SOCKET / WATCHDOG_* from (default process.env). */
  env?: NodeJS.ProcessEnv;
  /** How to run systemd-notify (tests inject a fake). */
  spawn?: NotifySpawner;
  /** The helper binary (default "systemd-notify" from PATH). */
  command?: string;
  /** Our main PID, passed as --pid so systemd attributes the message to the service (default process.pid). */
  pid?: number;
}

/** Spawns with no shell and no inherited stdio; a hung helper is killed after timeoutMs. */
export function realNotifySpawner(timeoutMs = 5_000): NotifySpawner {
  return (command, args) =>
    new Promise((resolve, reject) => {
      const child = spawn(command, args, { stdio: "ignore", timeout: timeoutMs });
      child.once("error", reject);
      child.once("exit", (code) => resolve(code));
    });
}

/**
 * Half of the service's watchdog period (WATCHDOG_USEC), in ms: pinging at that rate tolerates one
 * late ping. Null when systemd set no watchdog, the value is garbage, or WATCHDOG_PID names another
 * process (the variables were inherited from a parent and are not for us).
 */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv = process.env, pid = process.pid): number | null {
  const usec = Number(env.WATCHDOG_USEC);
  if (!env.WATCHDOG_USEC || !Number.isFinite(usec) || usec <= 0) return null;
  if (env.WATCHDOG_PID && Number(env.WATCHDOG_PID) !== pid) return null;
  return Math.max(1, Math.floor(usec / 2_000));
}

/**
 * A minimal sd_notify client. Node has no unix datagram sockets, so each message is sent by the
 * systemd-notify helper, which waits until systemd has read the datagram (avoiding the classic race
 * where the helper exits before systemd can attribute it). The unit needs NotifyAccess=all because
 * the sender is a child process. Every method resolves false (never throws) when there is no
 * NOTIFY_SOCKET or the helper is missing: the service must still run outside systemd.
 */
export class SystemdNotifier {
  private readonly env: NodeJS.ProcessEnv;
  private readonly spawner: NotifySpawner;
  private readonly command: string;
  private readonly pid: number;
  private helperMissing = false;
  private watchdogInFlight = false;

  constructor(opts: SystemdNotifierOptions = {}) {
    this.env = opts.env ?? process.env;
    this.spawner = opts.spawn ?? realNotifySpawner();
    this.command = opts.command ?? "systemd-notify";
    this.pid = opts.pid ?? process.pid;
  }

  /** True when started by systemd with Type=notify (NOTIFY_SOCKET is set) and the helper is usable. */
  get enabled(): boolean {
    return Boolean(this.env.NOTIFY_SOCKET) && !this.helperMissing;
  }

  /** READY=1, optionally with a STATUS= line. */
  ready(status?: string): Promise<boolean> {
    const args = ["--ready"];
    if (status !== undefined) args.push(`--status=${oneLine(status)}`);
    return this.send(args);
  }

  /** STATUS=..., shown by `systemctl status doorward`. */
  status(text: string): Promise<boolean> {
    return this.send([`--status=${oneLine(text)}`]);
  }

  /** WATCHDOG=1. A ping still running is not doubled up (a slow helper must not pile up processes). */
  async watchdog(): Promise<boolean> {
    if (this.watchdogInFlight) return false;
    this.watchdogInFlight = true;
    try {
      return await this.send(["WATCHDOG=1"]);
    } finally {
      this.watchdogInFlight = false;
    }
  }

  /** STOPPING=1, so systemd does not treat a clean shutdown's silence as a hang. */
  stopping(): Promise<boolean> {
    return this.send(["STOPPING=1"]);
  }

  /**
   * Pings the watchdog every watchdogIntervalMs while isHealthy() holds; returns a stop function.
   * When the app stops being healthy the pings stop and systemd restarts us: that is the point.
   * Returns a no-op stop when no watchdog is configured.
   */
  startWatchdog(clock: Clock, isHealthy: () => boolean = () => true): () => void {
    const intervalMs = watchdogIntervalMs(this.env, this.pid);
    if (intervalMs === null || !this.enabled) return () => {};
    let cancel: (() => void) | null = null;
    let stopped = false;
    const tick = () => {
      if (stopped) return;
      if (isHealthy()) void this.watchdog();
      cancel = clock.setTimeout(tick, intervalMs);
    };
    tick();
    return () => {
      stopped = true;
      cancel?.();
    };
  }

  private async send(assignments: string[]): Promise<boolean> {
    if (!this.enabled) return false;
    try {
      const code = await this.spawner(this.command, [`--pid=${this.pid}`, ...assignments]);
      return code === 0;
    } catch (err) {
      // ENOENT: no helper on this system; stop trying rather than spawning on every ping.
      if ((err as NodeJS.ErrnoException).code === "ENOENT") this.helperMissing = true;
      return false;
    }
  }
}

/** sd_notify messages are newline-separated assignments: a newline in STATUS would inject another. */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ");
}
