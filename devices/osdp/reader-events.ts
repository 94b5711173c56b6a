import { randomBytes } from "node:crypto";
import { callSafely } from "../keypad/keypad.js";
import type { Clock } from "../types.js";
import { Reply } from "./constants.js";
import {
  type LocalStatus,
  type PdCapability,
  type PdIdentity,
  parseCardRead,
  parseKeypad,
  parseLocalStatus,
} from "./messages.js";
import type { SecretKey } from "./secure-channel.js";

/** offline → id → cap → chlng → scrypt → (keyset →  chlng → scrypt) → online. */
export type ReaderState = "offline" | "id" | "cap" | "chlng" | "scrypt" | "keyset" | "online";

export interface OsdpReaderEvents {
  cardRead?(e: { device: string; bits: Buffer; bitCount: number; formatCode: number; atMs: number }): void;
  keypad?(e: { device: string; keys: string; atMs: number }): void;
  tamper?(e: { device: string; active: boolean; atMs: number }): void;
  power?(e: { device: string; failed: boolean; atMs: number }): void;
  identity?(e: { device: string; identity: PdIdentity; capabilities: PdCapability[]; atMs: number }): void;
  /** Each time the reader comes online (once per connection, never per poll); `secure`: Secure Channel up. */
  online?(e: { device: string; secure: boolean; atMs: number }): void;
  deviceFault?(e: { device: string; detail: string; atMs: number }): void;
  deviceRecovered?(e: { device: string; atMs: number }): void;
}

export interface OsdpReaderOptions {
  /** Device name in events ("osdp:outer-in"). */
  device: string;
  address: number;
  clock: Clock;
  events: OsdpReaderEvents;
  /** Secure Channel is required unless this is false. */
  secure?: boolean;
  /** The reader's SCBK. Required when secure and not installing. */
  key?: SecretKey | null;
  /**
   * Install mode (explicit admin request only): connect with the default key SCBK-D, hand a fresh
   * random key to installKey (which must store it durably), send it with osdp_KEYSET, reconnect.
   */
  install?: { installKey: (key: SecretKey) => Promise<void> };
  random?: (n: number) => Buffer;
  /** Idle poll period; at most 50 ms so a card is seen promptly and a dead reader quickly. */
  pollIntervalMs?: number;
  /** Retransmissions of one command before the reader is declared offline. */
  maxRetries?: number;
  /** First reconnection delay; doubles up to maxReconnectMs so a dead reader costs little bus time. */
  reconnectMs?: number;
  maxReconnectMs?: number;
  mark?: boolean;
}

/**
 * Reports an online reply that carries reader data (osdp_RAW, osdp_KEYPAD, osdp_LSTATR) as events.
 * Returns the new local status for osdp_LSTATR, "reported" for the others, null if the reply was
 * malformed or not one of these (the caller counts it; it never becomes an event).
 */
export function reportPdData(
  device: string,
  events: OsdpReaderEvents,
  local: Partial<LocalStatus>,
  code: number,
  data: Buffer,
  atMs: number,
): LocalStatus | "reported" | null {
  switch (code) {
    case Reply.RAW: {
      const read = parseCardRead(data);
      if (!read) return null;
      const { bitCount, formatCode } = read;
      callSafely(events.cardRead, { device, bits: Buffer.from(read.bits), bitCount, formatCode, atMs });
      return "reported";
    }
    case Reply.KEYPAD: {
      const keys = parseKeypad(data);
      if (!keys) return null;
      callSafely(events.keypad, { device, keys: keys.keys, atMs });
      return "reported";
    }
    case Reply.LSTATR: {
      const status = parseLocalStatus(data);
      if (!status) return null;
      // The first report after connecting only speaks up if something is wrong.
      if (status.tamper !== (local.tamper ?? false))
        callSafely(events.tamper, { device, active: status.tamper, atMs });
      if (status.powerFailure !== (local.powerFailure ?? false))
        callSafely(events.power, { device, failed: status.powerFailure, atMs });
      return status;
    }
    default:
      return null;
  }
}

/** The reader's timing and framing options with their defaults applied. */
export interface ReaderTiming {
  random: (n: number) => Buffer;
  pollIntervalMs: number;
  maxRetries: number;
  reconnectMs: number;
  maxReconnectMs: number;
  mark: boolean;
}

export function readerTiming(opts: OsdpReaderOptions): ReaderTiming {
  return {
    random: opts.random ?? randomBytes,
    // Never slower than 50 ms: a card must be seen promptly and a dead reader noticed quickly.
    pollIntervalMs: Math.min(opts.pollIntervalMs ?? 25, 50),
    maxRetries: opts.maxRetries ?? 3,
    reconnectMs: opts.reconnectMs ?? 1000,
    maxReconnectMs: opts.maxReconnectMs ?? 8000,
    mark: opts.mark ?? true,
  };
}
