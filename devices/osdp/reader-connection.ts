import { inspect } from "node:util";
import { callSafely } from "../keypad/keypad.js";
import { Cmd, hex2, NakCode, Reply, Scs } from "./constants.js";
import {
  encodeKeyset,
  type PdCapability,
  type PdIdentity,
  parsePdCap,
  parsePdId,
  supportsSecureChannel,
} from "./messages.js";
import type { DecodedFrame } from "./packet-codec.js";
import type { OsdpReaderEvents, OsdpReaderOptions, ReaderState } from "./reader-events.js";
import { CpHandshake } from "./sc-handshake.js";
import type { SecretKey } from "./secure-channel.js";
import type { SecureSession } from "./secure-session.js";

/** The states of the connection phase: between offline and online. */
export type ConnectionState = Exclude<ReaderState, "offline" | "online">;

export function isConnecting(state: ReaderState): state is ConnectionState {
  return state !== "offline" && state !== "online";
}

/** One OSDP command: its code and data. */
export interface Command {
  code: number;
  data: Buffer;
}

/**
 * What an answer during connection means for the reader: the state to enter next (with the Secure
 * Channel session it opens, or null when it closes it), or the fault that takes the reader offline.
 * "keyset" means: start the key install (the reader waits until the new key is stored).
 */
export type ConnectionStep =
  | { next: "cap" | "chlng" | "scrypt" | "online" | "keyset"; session?: SecureSession | null }
  | { fail: string };

type KeyInstall = NonNullable<OsdpReaderOptions["install"]>;

const EMPTY = Buffer.alloc(0);

/**
 * The connection phase of one OSDP reader, kept apart from the polling and the state machine
 * plumbing in osdp-reader.ts so that the security decisions of connecting read in one place:
 * which command each step sends (osdp_ID, osdp_CAP, the Secure Channel handshake, osdp_KEYSET in
 * install mode) and what each answer means. It decides, the reader acts: every failure is returned
 * as a fault, and no answer leads to online without the Secure Channel when it is required.
 */
export class ReaderConnection {
  identity: PdIdentity | null = null;
  capabilities: PdCapability[] = [];
  private key: SecretKey | null;
  private install: KeyInstall | null;
  private handshake: CpHandshake | null = null;
  private pendingKey: SecretKey | null = null;

  constructor(
    private readonly reader: {
      device: string;
      events: OsdpReaderEvents;
      secure: boolean;
      random: (n: number) => Buffer;
    },
    key: SecretKey | null,
    install: KeyInstall | null,
  ) {
    this.key = key;
    this.install = install;
  }

  /** Logging the connection shows whose it is, never its keys or handshake. */
  [inspect.custom](): string {
    return `ReaderConnection(${this.reader.device})`;
  }

  /** Install mode's key store while the reader connects with the default key; null otherwise. */
  get installMode(): KeyInstall | null {
    return this.install;
  }

  /** The new key is stored durably: osdp_KEYSET may now carry it to the reader. */
  keyStored(key: SecretKey): void {
    this.pendingKey = key;
  }

  /** The reader went offline: a half-done handshake is worthless, the next attempt starts afresh. */
  abandonHandshake(): void {
    this.handshake = null;
  }

  /** The command the reader sends in a connection state. */
  command(state: ConnectionState): Command {
    switch (state) {
      case "id":
        return { code: Cmd.ID, data: Buffer.of(0) };
      case "cap":
        return { code: Cmd.CAP, data: Buffer.of(0) };
      case "chlng":
        this.handshake = new CpHandshake(this.install ? null : this.key, this.reader.random);
        return { code: Cmd.CHLNG, data: this.handshake.cpRandom };
      case "scrypt":
        return { code: Cmd.SCRYPT, data: this.handshake?.serverCryptogram ?? EMPTY };
      case "keyset":
        return { code: Cmd.KEYSET, data: encodeKeyset((this.pendingKey as SecretKey).reveal()) };
    }
  }

  /** The security control block of a plaintext handshake command (SCS_11, SCS_13), else null. */
  handshakeBlock(code: number): { type: number; data: Buffer } | null {
    if (!this.handshake) return null;
    if (code === Cmd.CHLNG) return { type: Scs.CHLNG, data: Buffer.of(this.handshake.keySelector) };
    if (code === Cmd.SCRYPT) return { type: Scs.SCRYPT, data: Buffer.of(this.handshake.keySelector) };
    return null;
  }

  /** What the answer to the command of `state` means. */
  onReply(
    state: ConnectionState,
    code: number,
    data: Buffer,
    frame: DecodedFrame,
    atMs: number,
  ): ConnectionStep {
    switch (state) {
      case "id": {
        // A reader that says it does not implement osdp_ID (NAK "unknown command") is reached
        // all the same, its identity unknown: the ID only names the reader, nothing relies on it.
        if (code === Reply.NAK && data[0] === NakCode.unknownCommand) {
          this.identity = null;
          return { next: "cap" };
        }
        const id = code === Reply.PDID ? parsePdId(data) : null;
        if (!id) return { fail: `offline: osdp_ID answered ${hex2(code)}` };
        this.identity = id;
        return { next: "cap" };
      }
      case "cap": {
        const caps = code === Reply.PDCAP ? parsePdCap(data) : null;
        if (!caps) return { fail: `offline: osdp_CAP answered ${hex2(code)}` };
        this.capabilities = caps;
        if (this.identity)
          callSafely(this.reader.events.identity, {
            device: this.reader.device,
            identity: this.identity,
            capabilities: caps,
            atMs,
          });
        if (!this.reader.secure) return { next: "online" };
        if (!supportsSecureChannel(caps))
          return { fail: "secure_channel_failed: the reader offers no Secure Channel" };
        return { next: "chlng" };
      }
      case "chlng": {
        if (code !== Reply.CCRYPT || frame.scb?.type !== Scs.CCRYPT || !this.handshake)
          return { fail: `secure_channel_failed: osdp_CHLNG answered ${hex2(code)} without SCS_12` };
        const checked = this.handshake.onClientCryptogram(data);
        if (!checked.ok) return { fail: `secure_channel_failed: ${checked.why}` };
        return { next: "scrypt" };
      }
      case "scrypt": {
        if (code !== Reply.RMAC_I || frame.scb?.type !== Scs.RMAC_I || !this.handshake)
          return { fail: `secure_channel_failed: osdp_SCRYPT answered ${hex2(code)} without SCS_14` };
        const done = this.handshake.onInitialRmac(data);
        if (!done.ok) return { fail: `secure_channel_failed: ${done.why}` };
        this.handshake = null;
        return { next: this.install ? "keyset" : "online", session: done.session };
      }
      case "keyset": {
        if (code !== Reply.ACK) return { fail: `secure_channel_failed: osdp_KEYSET answered ${hex2(code)}` };
        // The reader now holds the new key: reconnect with it; install mode is over.
        this.key = this.pendingKey;
        this.pendingKey = null;
        this.install = null;
        return { next: "chlng", session: null };
      }
    }
  }
}
