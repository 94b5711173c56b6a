import type { Clock } from "../../devices/types.js";
import { PolicyEngine } from "../access/policy-engine.js";
import type { AuditEntry, AuditLog } from "../audit/audit-log.js";
import { AuditRetention } from "../audit/audit-retention.js";
import type { Settings } from "../config/schema.js";
import type { DoorController } from "../door/door-controller.js";
import { DoorModeService } from "../door/door-mode-service.js";
import type { Logger } from "../logger.js";
import { doorKv, doorModeKey } from "../store/door-state.js";
import type { Db } from "../store/open-database.js";
import { PolicyStore } from "../store/policy-store.js";

/** One door's records-room policy: its mode (own kv key), its engine (own two-person state). */
export interface DoorPolicy {
  store: PolicyStore;
  engine: PolicyEngine;
  mode: DoorModeService;
  start(): Promise<void>;
  stop(): void;
}

/** A door's policy plus the controller-wide retention: what `app.services.policy` shows of the first door. */
export interface PolicyServices extends DoorPolicy {
  retention: AuditRetention;
}

/** The policy parts of one door; schedules and holidays are shared through the store's tables. */
export function createDoorPolicy(deps: {
  doorId: string;
  settings: Settings;
  db: Db;
  door: DoorController;
  clock: Clock;
  recordSafely: (entry: AuditEntry) => void;
  log: Logger;
}): DoorPolicy {
  const { doorId, settings, db, door, clock, recordSafely, log } = deps;
  const p = settings.policy;
  const store = new PolicyStore(db, doorModeKey(doorId, settings.doors !== null));
  const engine = new PolicyEngine(store, p);
  const mode = new DoorModeService({
    door,
    engine,
    kv: doorKv(db, doorId),
    clock,
    // A held release for evacuation must happen even if the log cannot be written.
    record: recordSafely,
    onError: (context, err) => log.error({ err, context }, "door mode could not be applied"),
    unlockSchedule: p.unlock_schedule,
    pollMs: p.mode_poll_ms,
  });
  return {
    store,
    engine,
    mode,
    start: () => mode.start(),
    stop: () => mode.stop(),
  };
}

/** The controller's audit retention (one log for every door). */
export function createRetention(deps: {
  settings: Settings;
  db: Db;
  audit: AuditLog;
  clock: Clock;
  log: Logger;
}): AuditRetention {
  const { settings, db, audit, clock, log } = deps;
  // Events not yet delivered over MQTT are never purged.
  return new AuditRetention(
    db,
    audit,
    clock,
    { retentionDays: settings.policy.retention_days, mqttEnabled: settings.mqtt.enabled },
    (err) => log.error({ err }, "retention purge failed"),
  );
}

/** The first door's policy with the retention beside it, in the shape the single-door code reads. */
export function policyServices(
  first: DoorPolicy,
  retention: AuditRetention,
  checkMs: number,
): PolicyServices {
  return {
    ...first,
    retention,
    async start() {
      await first.start();
      retention.start(checkMs);
    },
    stop() {
      retention.stop();
      first.stop();
    },
  };
}
