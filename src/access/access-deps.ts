import type { Indicator, IndicatorPattern } from "../../devices/indicator/indicator.js";
import type { Clock } from "../../devices/types.js";
import type { AuditEntry, AuditRecord } from "../audit/audit-log.js";
import type { DoorController } from "../door/door-controller.js";
import type { CredentialHasher } from "../secrets/credential-hasher.js";
import type { DoorRules, PassageDirection } from "../site/door-rules.js";
import type { KeyValueStore } from "../store/key-value-store.js";
import type { UserStore } from "../store/user-store.js";
import type { FactorPolicy } from "./factor-session.js";
import type { LockoutPolicy } from "./lockout.js";
import type { PinEntryPolicy } from "./pin-entry.js";
import type { PolicyEngine } from "./policy-engine.js";

/** What the access service is built from; the composition root (app.ts) supplies it. */
export interface AccessServiceDeps {
  users: UserStore;
  hasher: CredentialHasher;
  kv: KeyValueStore;
  door: DoorController;
  indicator: Indicator;
  clock: Clock;
  /** Commits an audit row durably; throws if it cannot (disk full, I/O error). */
  record: (entry: AuditEntry) => AuditRecord;
  /**
   * Commits several rows in one transaction (a decision and its duress alarm); throws like record.
   * `alongside` writes other state in that same transaction (a denial's lockout count: one fsync).
   */
  recordAll: (entries: AuditEntry[], alongside?: () => void) => AuditRecord[];
  /** A request-to-exit row: written if possible, else counted for later; never throws (egress first). */
  recordEgress: (entry: AuditEntry) => void;
  /** An event the door acts on whatever happens: written, else queued for later; never throws. */
  recordOrQueue: (entry: AuditEntry) => void;
  /**
   * Runs an action that commits rows and then drives the relay; the log's listeners hear those
   * rows when it returns (after the relay), not before. Absent = they hear them at the commit.
   */
  listenersAfter?: <T>(action: () => T) => T;
  onError: (context: string, err: unknown) => void;
  pinPolicy: PinEntryPolicy;
  lockoutPolicy: LockoutPolicy;
  /** The records-room rules (schedules, agreements, lockdown, two-person); absent = plain path. */
  policy?: PolicyEngine;
  /** Told after each grant has opened the door (first-person-in starts the unlock schedule). */
  onGranted?: (nowMs: number) => void;
  /** Access mode and second-factor window; absent = mode "any". */
  factorPolicy?: FactorPolicy;
  /** Feedback on the fingerprint sensor's own LED, next to the door indicator. Must not throw. */
  sensorFeedback?: (pattern: IndicatorPattern) => void;
  /** The rules that span doors (access levels, interlock, anti-passback); absent = none. */
  rules?: DoorRules;
  /** This door's id, as the rules and access levels name it. */
  doorId?: string;
  /** A reader's direction (in/out), or null when it has none: anti-passback and occupancy need it. */
  readerDirection?: (readerId: string) => PassageDirection | null;
}
