import type { Clock } from "../../devices/types.js";
import { PolicyEngine } from "../access/policy-engine.js";
import type { AuditEntry, AuditLog } from "../audit/audit-log.js";
import { AuditRetention } from "../audit/audit-retention.js";
import type { Settings } from "../config/schema.js";
import type { DoorController } from "../door/door-controller.js";
import { DoorModeService } from "../door/door-mode-service.js";
import type { Logger } from "../logger.js";
import { KeyValueStore } from "../store/key-value-store.js";
import type { Db } from "../store/open-database.js";
import { PolicyStore } from "../store/policy-store.js";

export interface PolicyServices {
  store: PolicyStore;
  engine: PolicyEngine;
  mode: DoorModeService;
  retention: AuditRetention;
  start(): Promise<void>;
  stop(): void;
}

/** The records-room policy parts of one controller, built in one place so app.ts stays small. */
export function createPolicyServices(deps: {
  settings: Settings;
  db: Db;
  audit: AuditLog;
  door: DoorController;
  clock: Clock;
  recordSafely: (entry: AuditEntry) => void;
  log: Logger;
}): PolicyServices {
  const { settings, db, audit, door, clock, recordSafely, log } = deps;
  const p = settings.policy;
  const store = new PolicyStore(db);
  const engine = new PolicyEngine(store, p);
  const mode = new DoorModeService({
    door,
    engine,
    kv: new KeyValueStore(db),
    clock,
    // A held release for evacuation must happen even if the log cannot be written.
    record: recordSafely,
    onError: (context, err) => log.error({ err, context }, "door mode could not be applied"),
    unlockSchedule: p.unlock_schedule,
    pollMs: p.mode_poll_ms,
  });
  // Events not yet delivered over MQTT are never purged.
  const mqttEnabled = settings.mqtt.enabled;
  const retention = new AuditRetention(
    db,
    audit,
    clock,
    { retentionDays: p.retention_days, mqttEnabled },
    (err) => log.error({ err }, "retention purge failed"),
  );
  return {
    store,
    engine,
    mode,
    retention,
    async start() {
      await mode.start();
      retention.start(p.retention_check_s * 1000);
    },
    stop() {
      retention.stop();
      mode.stop();
    },
  };
}
