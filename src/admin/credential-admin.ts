import type { Clock } from "../../devices/types.js";
import type { AuditLog } from "../audit/audit-log.js";
import { canonicalBadgeNumber } from "../badge/badge-number.js";
import type { CredentialHasher } from "../secrets/credential-hasher.js";
import type { Db } from "../store/open-database.js";
import { type SensorRequest, SensorRequestStore } from "../store/sensor-request-store.js";
import { StoreError, type User, type UserStore } from "../store/user-store.js";

/** What the person at the sensor is told, per driver prompt. */
export const ENROLL_PROMPT_TEXT: Record<string, string> = {
  place_finger: "Place the finger on the sensor.",
  lift_finger: "Lift the finger.",
  place_again: "Place the same finger again.",
  retry: "The two captures did not match. Lift the finger; we start again.",
  stored: "Stored.",
};

export interface WaitOptions {
  /** Waits between polls of the request row (real time in the CLI, fake time in tests). */
  sleep: (ms: number) => Promise<void>;
  now: () => number;
  onPrompt: (prompt: string) => void;
  pollMs?: number;
  /** A request nobody picks up within this long means the controller is not running. */
  pickupTimeoutMs?: number;
  totalTimeoutMs?: number;
}

export interface FingerprintConsistency {
  /** Templates on the sensor no user maps to: denied when matched, listed so an admin can clean up. */
  unknownOnSensor: number[];
  /** Slots the store maps to a user that hold no template (that finger can never match). */
  missingOnSensor: { slot: number; userCode: string }[];
  /** Removed slots still waiting for the service to delete them from the sensor. */
  awaitingDeletion: number[];
}

/** Normalises a badge number as an admin types it (see canonicalBadgeNumber for the forms). */
export function normaliseBadgeNumber(number: string): string {
  const canonical = canonicalBadgeNumber(number);
  if (canonical === null)
    throw new StoreError(
      "a badge number is 1 to 12 decimal digits as a Wiegand/RDM6300 reader reports it, FACILITY:CARD (123:45678), or raw:BITS:HEX",
    );
  return canonical;
}

/**
 * Badge and fingerprint changes for the CLI (and later the HTTP API). Each is an audit event with
 * `detail.by`; badge numbers are stored as keyed hashes and never logged. Work on the sensor
 * itself goes through sensor_requests, which the running service executes.
 */
export class CredentialAdmin {
  readonly requests: SensorRequestStore;

  constructor(
    db: Db,
    private readonly users: UserStore,
    private readonly hasher: CredentialHasher,
    private readonly audit: AuditLog,
    private readonly clock: Clock,
    private readonly actor: string,
  ) {
    this.requests = new SensorRequestStore(db);
  }

  addBadge(nameOrCode: string, number: string): User {
    return this.audit.atomically(() => {
      const user = this.users.require(nameOrCode);
      const lookup = this.hasher.hash("badge", normaliseBadgeNumber(number));
      this.users.setCredential(user.id, "badge", lookup, this.clock.now());
      this.note("badge_set", user);
      return user;
    });
  }

  removeBadge(nameOrCode: string): User {
    return this.audit.atomically(() => {
      const user = this.users.require(nameOrCode);
      if (this.users.removeCredentials(user.id, "badge") === 0)
        throw new StoreError(`${user.name} has no badge`);
      this.note("badge_removed", user);
      return user;
    });
  }

  /** Removes every fingerprint of the user; the trigger queues their slots for deletion on the sensor. */
  removeFingerprints(nameOrCode: string): { user: User; slots: number[] } {
    return this.audit.atomically(() => {
      const user = this.users.require(nameOrCode);
      const slots = [...this.requests.assignedSlots()]
        .filter(([, id]) => id === user.id)
        .map(([slot]) => slot);
      if (this.users.removeCredentials(user.id, "fingerprint") === 0)
        throw new StoreError(`${user.name} has no fingerprint`);
      this.note("fingerprint_removed", user, { slots });
      return { user, slots };
    });
  }

  /**
   * Maps a slot whose template is already on the sensor to a person (the simulator's demo
   * fingers, preloaded into the virtual sensor), with the same audit row an enrolment writes.
   */
  assignEnrolledSlot(nameOrCode: string, slot: number): User {
    const user = this.users.require(nameOrCode);
    this.users.setCredential(user.id, "fingerprint", String(slot), this.clock.now());
    this.note("fingerprint_enrolled", user, { slot });
    return user;
  }

  requestEnrollment(nameOrCode: string, slot: number | null): { user: User; id: number } {
    const user = this.users.require(nameOrCode);
    const id = this.requests.request(
      "enroll",
      { userId: user.id, slot, actor: this.actor },
      this.clock.now(),
    );
    return { user, id };
  }

  requestCheck(): number {
    return this.requests.request("check", { actor: this.actor }, this.clock.now());
  }

  /** Polls a request until the service finishes it, passing on each new prompt once. */
  async waitFor(id: number, o: WaitOptions): Promise<SensorRequest> {
    const pollMs = o.pollMs ?? 200;
    const started = o.now();
    let shown = 0;
    for (;;) {
      const r = this.requests.get(id);
      if (!r) throw new StoreError(`request ${id} vanished`);
      for (; shown < r.prompts.length; shown++) o.onPrompt(r.prompts[shown] as string);
      if (r.state === "done" || r.state === "failed") return r;
      const waited = o.now() - started;
      if (r.state === "requested" && waited >= (o.pickupTimeoutMs ?? 10_000)) {
        const why =
          "the controller did not pick up the request: is it running, with the fingerprint sensor enabled?";
        if (this.requests.abandon(id, why, o.now())) throw new StoreError(why);
      }
      if (waited >= (o.totalTimeoutMs ?? 180_000)) throw new StoreError("gave up waiting for the controller");
      await o.sleep(pollMs);
    }
  }

  /** Compares the sensor's occupied slots (from a check request) with the store. */
  consistency(sensorSlots: number[]): FingerprintConsistency {
    const assigned = this.requests.assignedSlots();
    const pending = new Set(this.requests.pendingDeletes());
    const onSensor = new Set(sensorSlots);
    return {
      unknownOnSensor: sensorSlots.filter((s) => !assigned.has(s) && !pending.has(s)),
      missingOnSensor: [...assigned]
        .filter(([slot]) => !onSensor.has(slot))
        .map(([slot, userId]) => ({ slot, userCode: this.users.get(userId).userCode })),
      awaitingDeletion: [...pending].filter((s) => onSensor.has(s)),
    };
  }

  private note(reason: string, user: User, extra: Record<string, unknown> = {}): void {
    this.audit.append(
      { kind: "system", reason, userCode: user.userCode, detail: { by: this.actor, ...extra } },
      this.clock.now(),
    );
  }
}
