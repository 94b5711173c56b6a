/**
 * Fail-secure on the way out. On a Raspberry Pi a sysfs GPIO keeps its value after the process
 * exits, so a relay energised at the moment of a crash would stay energised: the first thing every
 * exit path does is drive the relay locked, synchronously where the backend allows (onoff's
 * writeSync, one write(2)), before logging or anything else that could fail.
 *
 * What this cannot cover: SIGKILL, an OOM kill, a kernel panic or a power cut run no handler. There
 * the hardware holds the door: the relay driver's 10 kΩ pull-down keeps an undriven line locked
 * (hardware/WIRING.md, "Rule zero"), and the restarted service drives the relay locked before it
 * opens anything else (createApp's start order).
 */

export type ExitReason = "uncaughtException" | "unhandledRejection" | "SIGTERM" | "SIGINT";

/** The process surface used; tests pass an EventEmitter. */
export interface ProcessLike {
  on(event: string, listener: (...args: unknown[]) => void): unknown;
  off(event: string, listener: (...args: unknown[]) => void): unknown;
}

export interface ExitGuardDeps {
  /** Drives the relay locked now; true when it was done synchronously. Must not throw. */
  emergencyLock(): boolean;
  /** The orderly stop (audit row, close lines and database). Bounded by stopTimeoutMs. */
  stop(): Promise<void>;
  exit(code: number): void;
  log: {
    fatal(obj: object, msg: string): void;
    info(obj: object, msg: string): void;
  };
  /** Told before the orderly stop (systemd STOPPING=1). */
  onStopping?(): void;
  stopTimeoutMs?: number;
  /** Real timers by default: a crashed process has no fake clock to advance. */
  setTimer?(fn: () => void, ms: number): void;
}

/** Exit codes: 0 for an asked-for stop, 1 for a crash (systemd restarts both with Restart=always). */
export const EXIT_CRASH = 1;

/**
 * Handles one exit reason. Exported so tests can drive it directly; installExitGuard wires it to
 * the process. A second reason while stopping exits at once (after locking again).
 */
export function createExitHandler(deps: ExitGuardDeps): (reason: ExitReason, err?: unknown) => void {
  let exiting = false;
  let exited = false;
  const exitOnce = (code: number) => {
    if (exited) return;
    exited = true;
    deps.exit(code);
  };
  return (reason, err) => {
    const crash = reason === "uncaughtException" || reason === "unhandledRejection";
    let sync = false;
    try {
      sync = deps.emergencyLock();
    } catch {
      // emergencyLock must not throw; if it does, the orderly stop below still drives the relay.
    }
    const code = crash ? EXIT_CRASH : 0;
    if (crash) deps.log.fatal({ err, reason, relay_locked_sync: sync }, "crashed; relay driven locked");
    else deps.log.info({ reason, relay_locked_sync: sync }, "stopping; relay driven locked");
    if (exiting) {
      exitOnce(crash ? EXIT_CRASH : code);
      return;
    }
    exiting = true;
    try {
      deps.onStopping?.();
    } catch {}
    const timeoutMs = deps.stopTimeoutMs ?? 5_000;
    const setTimer = deps.setTimer ?? ((fn, ms) => setTimeout(fn, ms).unref());
    setTimer(() => {
      deps.log.fatal({ reason, timeout_ms: timeoutMs }, "orderly stop timed out");
      exitOnce(crash ? EXIT_CRASH : 1);
    }, timeoutMs);
    let stopping: Promise<void>;
    try {
      stopping = deps.stop();
    } catch (stopErr) {
      stopping = Promise.reject(stopErr);
    }
    stopping.then(
      () => exitOnce(code),
      (stopErr) => {
        deps.log.fatal({ err: stopErr }, "orderly stop failed");
        exitOnce(EXIT_CRASH);
      },
    );
  };
}

/** Installs the handlers on the process; returns an uninstall. */
export function installExitGuard(deps: ExitGuardDeps, proc: ProcessLike = process): () => void {
  const handle = createExitHandler(deps);
  const listeners: Array<[ExitReason, (...args: unknown[]) => void]> = [
    ["uncaughtException", (err) => handle("uncaughtException", err)],
    ["unhandledRejection", (reason) => handle("unhandledRejection", reason)],
    ["SIGTERM", () => handle("SIGTERM")],
    ["SIGINT", () => handle("SIGINT")],
  ];
  for (const [event, listener] of listeners) proc.on(event, listener);
  return () => {
    for (const [event, listener] of listeners) proc.off(event, listener);
  };
}
