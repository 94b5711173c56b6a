import type { FingerprintLedMode, R503Fingerprint } from "../../devices/fingerprint/r503-driver.js";
import type { EnrollOptions } from "../../devices/fingerprint/r503-enroll.js";
import type { IndicatorPattern } from "../../devices/indicator/indicator.js";
import type { Clock } from "../../devices/types.js";
import type { AuditEntry } from "../audit/audit-log.js";
import type { Logger } from "../logger.js";
import type { SensorRequest, SensorRequestStore } from "../store/sensor-request-store.js";
import type { UserStore } from "../store/user-store.js";

export interface FingerprintServiceDeps {
  driver: R503Fingerprint;
  requests: SensorRequestStore;
  users: UserStore;
  /** Appends an audit row; never throws (the caller's safe recorder). */
  record: (entry: AuditEntry) => void;
  clock: Clock;
  log: Logger;
  /** How often the request table and the delete queue are looked at. */
  requestPollMs: number;
  enrollOptions?: EnrollOptions;
}

/** How long the sensor LED keeps showing a verdict before going dark. */
const LED_HOLD_MS = 2000;

const safeGet = <T>(get: () => T): T | undefined => {
  try {
    return get();
  } catch {
    return undefined;
  }
};

const LED_FOR: Partial<Record<IndicatorPattern, FingerprintLedMode>> = {
  granted: "granted",
  denied: "denied",
  locked_out: "denied",
  waiting: "working",
};

/**
 * Owns the fingerprint sensor on behalf of everyone else. The identify loop runs inside the
 * driver (its events go to the bus); this service adds the work other processes ask for through
 * the database (src/store/migrations/credentials.ts): it deletes queued slots on the sensor,
 * runs guided enrolments and answers consistency checks, one at a time, between identify polls
 * (the driver's channel serialises commands; enrolment pauses the identify loop).
 */
export class FingerprintService {
  private cancelTick: (() => void) | null = null;
  private cancelLedIdle: (() => void) | null = null;
  private running = false;
  private work: Promise<void> = Promise.resolve();

  constructor(private readonly deps: FingerprintServiceDeps) {}

  start(): void {
    if (this.running) return;
    this.running = true;
    const interrupted = this.deps.requests.failInterrupted(this.deps.clock.now());
    if (interrupted > 0)
      this.deps.log.warn({ interrupted }, "sensor requests interrupted by a restart marked failed");
    // The handshake may fail (no sensor, wrong password): the driver reports the fault and retries.
    void this.deps.driver.start();
    this.scheduleTick(0);
  }

  async stop(): Promise<void> {
    this.running = false;
    this.cancelTick?.();
    this.cancelTick = null;
    this.cancelLedIdle?.();
    this.cancelLedIdle = null;
    await this.deps.driver.stop();
    await this.work.catch(() => undefined);
  }

  /** Mirrors the door indicator on the sensor's ring LED (best effort: feedback never blocks access). */
  feedback(pattern: IndicatorPattern): void {
    const mode = LED_FOR[pattern];
    if (!mode || this.deps.driver.state !== "ready") return;
    this.led(mode);
    this.cancelLedIdle?.();
    this.cancelLedIdle =
      mode === "working"
        ? null
        : this.deps.clock.setTimeout(() => {
            this.cancelLedIdle = null;
            if (this.deps.driver.state === "ready") this.led("idle");
          }, LED_HOLD_MS);
  }

  /** Resolves when the current tick's work is done (tests). */
  idle(): Promise<void> {
    return this.work;
  }

  private led(mode: FingerprintLedMode): void {
    this.deps.driver
      .led(mode)
      .catch((err) => this.deps.log.debug({ err, mode }, "sensor LED command failed"));
  }

  private scheduleTick(delayMs: number): void {
    this.cancelTick = this.deps.clock.setTimeout(() => {
      this.cancelTick = null;
      if (!this.running) return;
      this.work = this.tick()
        .catch((err) => this.deps.log.error({ err }, "fingerprint request handling failed"))
        .finally(() => {
          if (this.running) this.scheduleTick(this.deps.requestPollMs);
        });
    }, delayMs);
  }

  private async tick(): Promise<void> {
    const state = this.deps.driver.state;
    if (state === "ready") {
      if (this.deps.driver.librarySize > 0) this.deps.requests.noteLibrarySize(this.deps.driver.librarySize);
      await this.drainDeletes();
    }
    const now = this.deps.clock.now();
    if (state === "connecting") return; // a request can wait for the first handshake
    const request = this.deps.requests.claimNext(now);
    if (!request) return;
    if (this.deps.driver.state !== "ready") {
      this.deps.requests.finish(
        request.id,
        { error: `fingerprint sensor is ${this.deps.driver.state}` },
        now,
      );
      return;
    }
    if (request.kind === "check") await this.check(request);
    else await this.enroll(request);
  }

  /** Deletes templates whose credential was removed (user removed, `fingerprint remove`). */
  private async drainDeletes(): Promise<void> {
    const { requests, driver } = this.deps;
    const pending = requests.pendingDeletes();
    if (pending.length === 0) return;
    const assigned = requests.assignedSlots();
    for (const slot of pending) {
      if (assigned.has(slot)) {
        requests.clearPendingDelete(slot); // re-enrolled since: the template belongs to someone now
        continue;
      }
      try {
        if (slot < driver.librarySize) await driver.deleteSlot(slot);
        requests.clearPendingDelete(slot);
        this.deps.record({ kind: "system", reason: "fingerprint_slot_deleted", detail: { slot } });
      } catch (err) {
        // Stays queued; until then the store does not know the slot, so the finger is denied anyway.
        this.deps.log.warn({ err, slot }, "could not delete fingerprint slot; will retry");
        return;
      }
    }
  }

  private async check(request: SensorRequest): Promise<void> {
    const now = () => this.deps.clock.now();
    try {
      const slots = await this.deps.driver.listUsedSlots();
      this.deps.requests.finish(
        request.id,
        { result: { sensor_slots: slots, library_size: this.deps.driver.librarySize } },
        now(),
      );
    } catch (err) {
      this.deps.requests.finish(request.id, { error: (err as Error).message }, now());
    }
  }

  private async enroll(request: SensorRequest): Promise<void> {
    const { requests, users, driver, clock } = this.deps;
    const now = () => clock.now();
    const fail = (error: string, slot: number | null, userCode: string | null) => {
      requests.finish(request.id, { error }, now());
      this.deps.record({
        kind: "system",
        reason: "fingerprint_enrol_failed",
        userCode,
        detail: { by: request.actor, slot, error },
      });
    };
    const userId = request.userId;
    const user = userId === null ? undefined : safeGet(() => users.get(userId));
    if (!user) return fail("the user no longer exists", request.slot, null);

    let slot: number;
    try {
      slot = await this.chooseSlot(request.slot, user.id);
    } catch (err) {
      return fail((err as Error).message, request.slot, user.userCode);
    }
    requests.setSlot(request.id, slot, now());
    try {
      await driver.enroll(
        slot,
        (prompt) => requests.addPrompt(request.id, prompt, now()),
        this.deps.enrollOptions,
      );
    } catch (err) {
      return fail((err as Error).message, slot, user.userCode);
    }
    try {
      users.setCredential(user.id, "fingerprint", String(slot), now());
    } catch (err) {
      // Removed while enrolling (or the slot was taken meanwhile): the template must not linger.
      await driver.deleteSlot(slot).catch(() => requests.queueDelete(slot, now()));
      return fail(`could not record the slot: ${(err as Error).message}`, slot, user.userCode);
    }
    requests.clearPendingDelete(slot);
    requests.finish(request.id, { result: { slot, user_code: user.userCode } }, now());
    this.deps.record({
      kind: "system",
      reason: "fingerprint_enrolled",
      userCode: user.userCode,
      detail: { by: request.actor, slot },
    });
  }

  /** The asked-for slot if it is free for this user, else the lowest slot free on the sensor and in the store. */
  private async chooseSlot(wanted: number | null, userId: number): Promise<number> {
    const { driver, requests } = this.deps;
    const size = driver.librarySize;
    const assigned = requests.assignedSlots();
    if (wanted !== null) {
      if (wanted >= size) throw new Error(`slot ${wanted} is outside the sensor's library (0..${size - 1})`);
      const owner = assigned.get(wanted);
      if (owner !== undefined && owner !== userId) throw new Error(`slot ${wanted} belongs to another user`);
      return wanted;
    }
    const used = new Set(await driver.listUsedSlots());
    const pending = new Set(requests.pendingDeletes());
    for (let slot = 0; slot < size; slot++) {
      if (!used.has(slot) && !assigned.has(slot) && !pending.has(slot)) return slot;
    }
    throw new Error("the sensor's library is full");
  }
}
