import { SystemdNotifier } from "../../devices/systemd-notify.js";
import type { Clock } from "../../devices/types.js";
import type { App } from "../app.js";
import { installExitGuard, type ProcessLike } from "./exit-guard.js";
import { Liveness } from "./liveness.js";

export interface ServiceSupervisionDeps {
  app: App;
  clock: Clock;
  log: {
    fatal(obj: object, msg: string): void;
    info(obj: object, msg: string): void;
    warn(obj: object, msg: string): void;
  };
  /** The orderly stop (shared with the console's quit so it runs once). */
  stop(): Promise<void>;
  notifier?: SystemdNotifier;
  env?: NodeJS.ProcessEnv;
  proc?: ProcessLike;
  exit?(code: number): void;
}

export interface ServiceSupervision {
  /** Call once the app is "ready and locked": READY=1, then watchdog pings while healthy. */
  ready(status: string): Promise<void>;
  /** Stops pings and removes the process handlers (the orderly stop is the caller's). */
  close(): void;
}

/**
 * The process-level half of supervision for `doorward start`: exit handlers that lock first,
 * READY=1 after start, WATCHDOG=1 at half WATCHDOG_USEC while the event loop and the door state
 * machine are healthy. Everything is a no-op outside systemd (no NOTIFY_SOCKET).
 */
export function superviseService(deps: ServiceSupervisionDeps): ServiceSupervision {
  const notifier = deps.notifier ?? new SystemdNotifier({ env: deps.env ?? process.env });
  // Every door's state machine, each against its own relay cap; healthy only when all are.
  const perDoor = deps.app.services.units.map(
    (unit) =>
      new Liveness({ clock: deps.clock, door: unit.door, maxUnlockMs: unit.settings.door.max_unlock_ms }),
  );
  const liveness = {
    start: () => {
      for (const l of perDoor) l.start();
    },
    stop: () => {
      for (const l of perDoor) l.stop();
    },
    isHealthy: () => perDoor.map((l) => l.isHealthy()).every(Boolean),
    get lastFailure() {
      return perDoor.map((l) => l.lastFailure).find((p) => p !== null) ?? null;
    },
  };
  liveness.start();
  let stopWatchdog: () => void = () => {};
  let wasHealthy = true;
  const close = () => {
    stopWatchdog();
    liveness.stop();
    uninstall();
  };
  const uninstall = installExitGuard(
    {
      emergencyLock: () => deps.app.emergencyLock(),
      stop: async () => {
        stopWatchdog();
        liveness.stop();
        await deps.stop();
      },
      exit: deps.exit ?? ((code) => process.exit(code)),
      log: deps.log,
      onStopping: () => void notifier.stopping(),
    },
    deps.proc,
  );
  return {
    async ready(status) {
      await notifier.ready(status);
      stopWatchdog = notifier.startWatchdog(deps.clock, () => {
        const healthy = liveness.isHealthy();
        if (healthy !== wasHealthy)
          deps.log.warn(
            { problem: liveness.lastFailure },
            healthy ? "healthy again; watchdog pings resume" : "unhealthy; watchdog pings withheld",
          );
        wasHealthy = healthy;
        return healthy;
      });
    },
    close,
  };
}
