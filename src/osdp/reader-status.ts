import type { PdIdentity } from "../../devices/osdp/messages.js";
import type { Logger } from "../logger.js";
import { KeyValueStore } from "../store/key-value-store.js";
import type { Db } from "../store/open-database.js";

/**
 * The reader's link as last recorded: by the service (`stopped`: it was online when the service
 * stopped), or by `doorward osdp install` (`installed`: its key was set, with the service stopped;
 * no service has polled it since).
 */
export type OsdpLinkState = "online" | "offline" | "secure_channel_failed" | "stopped" | "installed";

/**
 * What the service last knew of one OSDP reader, in kv `osdp:reader:<id>`, for `doorward doctor`
 * and the admin page. Identity (osdp_PDID) and link state only: never a key, a session key or a
 * card (the reasons are the reader's fault details, which carry neither).
 */
export interface OsdpReaderStatus {
  state: OsdpLinkState;
  /** Secure Channel up (only ever true while online). */
  secure_channel: boolean;
  /** Why it is offline or failed (the fault detail without its kind), null when online. */
  reason: string | null;
  /** When this state began. */
  since_ms: number;
  /**
   * The last time the reader was known to answer: when it came online or identified itself, or,
   * for a reader that dropped off while online, when that was detected (≤ 2 s after its last reply).
   */
  last_seen_ms: number | null;
  identity: PdIdentity | null;
  /** When this identity was first reported (a changed identity means the reader was replaced). */
  identified_ms: number | null;
}

/** Every key of this store starts with this. */
export const OSDP_STATUS_NAMESPACE = "osdp:reader:";

/** Reads and writes the readers' status rows; works on a read-only connection for reading. */
export class OsdpReaderStatusStore {
  private readonly kv: KeyValueStore;

  constructor(db: Db) {
    this.kv = new KeyValueStore(db, OSDP_STATUS_NAMESPACE);
  }

  get(readerId: string): OsdpReaderStatus | null {
    return this.kv.getJson<OsdpReaderStatus>(readerId) ?? null;
  }

  set(readerId: string, status: OsdpReaderStatus): void {
    this.kv.setJson(readerId, status);
  }

  /**
   * `doorward osdp install` set the reader's key (it runs with the service stopped, under the
   * instance lock): the identity it reported then, or null when it does not answer osdp_ID. An
   * unknown identity replaces the recorded one: an install is often a new or reset reader.
   */
  recordInstalled(readerId: string, identity: PdIdentity | null, atMs: number): void {
    const prev = this.get(readerId);
    const same = identity !== null && sameIdentity(prev?.identity ?? null, identity);
    this.set(readerId, {
      state: "installed",
      secure_channel: false,
      reason: null,
      since_ms: atMs,
      last_seen_ms: atMs,
      identity,
      identified_ms: identity === null ? null : same ? (prev?.identified_ms ?? atMs) : atMs,
    });
  }
}

/** The link state a fault detail ("secure_channel_failed: …", "offline: …") stands for. */
function faultState(detail: string): { state: OsdpLinkState; reason: string } {
  const colon = detail.indexOf(": ");
  const kind = colon < 0 ? detail : detail.slice(0, colon);
  const reason = colon < 0 ? detail : detail.slice(colon + 2);
  return { state: kind === "secure_channel_failed" ? "secure_channel_failed" : "offline", reason };
}

const sameIdentity = (a: PdIdentity | null, b: PdIdentity) =>
  a !== null &&
  a.vendor === b.vendor &&
  a.model === b.model &&
  a.version === b.version &&
  a.serial === b.serial &&
  a.firmware === b.firmware;

/**
 * Turns a reader's events into status rows, writing only when something an admin would see
 * changes (state, reason, Secure Channel, identity): one write per connection or outage, never
 * per poll, since each is an fsync'd commit. A reconnecting reader that reports the same identity
 * only moves `last_seen_ms` in memory; the next write carries it. A write that fails is logged
 * and the reader keeps working: this record is for people, the door does not depend on it.
 */
export class OsdpStatusRecorder {
  private readonly known = new Map<string, OsdpReaderStatus | null>();

  constructor(
    private readonly store: OsdpReaderStatusStore,
    private readonly log: Logger,
  ) {}

  identified(readerId: string, identity: PdIdentity, atMs: number): void {
    const prev = this.current(readerId);
    if (prev && sameIdentity(prev.identity, identity)) {
      prev.last_seen_ms = atMs;
      return;
    }
    this.write(readerId, {
      ...(prev ?? this.blank("offline", atMs)),
      identity,
      identified_ms: atMs,
      last_seen_ms: atMs,
    });
  }

  online(readerId: string, secure: boolean, atMs: number): void {
    const prev = this.current(readerId);
    if (prev?.state === "online" && prev.secure_channel === secure) return;
    this.write(readerId, {
      ...(prev ?? this.blank("online", atMs)),
      state: "online",
      secure_channel: secure,
      reason: null,
      since_ms: atMs,
      last_seen_ms: atMs,
    });
  }

  fault(readerId: string, detail: string, atMs: number): void {
    const { state, reason } = faultState(detail);
    const prev = this.current(readerId);
    if (prev?.state === state && prev.reason === reason) return;
    this.write(readerId, {
      ...(prev ?? this.blank(state, atMs)),
      state,
      secure_channel: false,
      reason,
      since_ms: atMs,
      last_seen_ms: prev?.state === "online" ? atMs : (prev?.last_seen_ms ?? null),
    });
  }

  /** The service stops: a reader that was online was seen until now; a failing one keeps its reason. */
  stopped(readerIds: readonly string[], atMs: number): void {
    for (const id of readerIds) {
      const prev = this.current(id);
      if (prev?.state !== "online") continue;
      this.write(id, {
        ...prev,
        state: "stopped",
        secure_channel: false,
        since_ms: atMs,
        last_seen_ms: atMs,
      });
    }
  }

  private blank(state: OsdpLinkState, atMs: number): OsdpReaderStatus {
    return {
      state,
      secure_channel: false,
      reason: null,
      since_ms: atMs,
      last_seen_ms: null,
      identity: null,
      identified_ms: null,
    };
  }

  private current(readerId: string): OsdpReaderStatus | null {
    if (!this.known.has(readerId)) {
      let stored: OsdpReaderStatus | null = null;
      try {
        stored = this.store.get(readerId);
      } catch (err) {
        this.log.warn({ err, reader: readerId }, "OSDP reader status could not be read");
      }
      this.known.set(readerId, stored);
    }
    return this.known.get(readerId) ?? null;
  }

  private write(readerId: string, status: OsdpReaderStatus): void {
    this.known.set(readerId, status);
    try {
      this.store.set(readerId, status);
    } catch (err) {
      this.log.warn({ err, reader: readerId }, "OSDP reader status could not be recorded");
    }
  }
}
