import { callSafely } from "../keypad/keypad.js";
import type { Clock, DeviceEvents, SerialLink, SerialPortOpener } from "../types.js";
import { Command, Confirm, DEFAULT_ADDRESS, u16, u32 } from "./packet-codec.js";
import { type R503Ack, R503Channel } from "./r503-channel.js";
import { type EnrollOptions, type EnrollPrompt, runEnrollment } from "./r503-enroll.js";
import {
  errorForCode,
  FingerprintTimeoutError,
  FingerprintUnavailableError,
  WrongPasswordError,
} from "./r503-errors.js";
import {
  type IdentifyOutcome,
  identifyOnce,
  isHealthyAnswer,
  searchParams,
  searchVerdict,
} from "./r503-identify.js";

export type FingerprintLedMode = "working" | "granted" | "denied" | "idle";

/**
 * AuraLedConfig parameters: control (1 breathe, 2 flash, 3 on, 4 off), speed, colour
 * (1 red, 2 blue, 3 purple — the only verified colours), count (0 = forever).
 */
const LED_MODES: Record<FingerprintLedMode, [number, number, number, number]> = {
  working: [1, 100, 3, 0],
  granted: [3, 0, 2, 0],
  denied: [2, 40, 1, 3],
  idle: [4, 0, 1, 0],
};

export interface R503Events {
  fingerMatched?: (e: DeviceEvents["fingerMatched"]) => void;
  fingerUnknown?: (e: DeviceEvents["fingerUnknown"]) => void;
  deviceFault?: (e: DeviceEvents["deviceFault"]) => void;
  deviceRecovered?: (e: DeviceEvents["deviceRecovered"]) => void;
  /** An answer that breaks the protocol (reported once per finger placement; the driver ignores it). */
  protocolError?: (e: { device: string; detail: string; atMs: number }) => void;
}

export interface R503FingerprintOptions {
  clock: Clock;
  opener: SerialPortOpener;
  path: string;
  baudRate?: number;
  password?: number;
  address?: number;
  commandTimeoutMs?: number;
  /** Pause between GenImg polls, counted from the previous answer. */
  pollIntervalMs?: number;
  /**
   * A fault is declared when this long passes without a valid answer: an identify poll that ended
   * in a verdict or a plain "no finger", or any other command answered sensibly. Timeouts, error
   * codes (0x01), garbage and bad checksums all count as no answer.
   */
  faultAfterMs?: number;
  /**
   * After a fault, recovery is declared only when a Search works (the handshake probes one); if
   * the probe's answer is inconclusive, after this long of valid answers instead.
   */
  recoveryProbationMs?: number;
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  events?: R503Events;
}

/** Named states, for logs and tests. */
export type R503State = "stopped" | "connecting" | "ready" | "enrolling" | "recovering";

const DEVICE = "fingerprint";

/**
 * Driver for R503/R307/AS608 modules: handshake, an identify loop that reports each finger once
 * until it is lifted, guided enrolment, library management and LED feedback. A watchdog declares a
 * fault when no valid answer came for faultAfterMs (silence, garbage, error codes) or at once when
 * the port vanishes or the handshake fails; the fault is reported once, then the port is reopened
 * with exponential back-off. Recovery is reported only once a Search works again (or after a
 * probation period), so a sensor whose handshake works but whose Search fails stays one fault.
 */
export class R503Fingerprint {
  private stateName: R503State = "stopped";
  private link: SerialLink | null = null;
  private channel: R503Channel | null = null;
  /** Bumped on every connect/teardown so callbacks from an old link are ignored. */
  private session = 0;
  private faulted = false;
  private backoffMs: number;
  private cancelTimer: (() => void) | null = null;
  private currentPoll: Promise<void> | null = null;
  private fingerDown = false;
  /** Why the last answers were not valid, for the fault detail. */
  private lastProblem: string | null = null;
  private cancelWatchdog: (() => void) | null = null;
  private cancelProbation: (() => void) | null = null;
  private librarySizeValue = 0;
  private readonly o: Required<Omit<R503FingerprintOptions, "events">> & { events: R503Events };

  constructor(opts: R503FingerprintOptions) {
    this.o = {
      baudRate: 57600,
      password: 0,
      address: DEFAULT_ADDRESS,
      commandTimeoutMs: 1000,
      pollIntervalMs: 200,
      faultAfterMs: 2000,
      recoveryProbationMs: 30_000,
      backoffInitialMs: 1000,
      backoffMaxMs: 30_000,
      events: {},
      ...opts,
    };
    // A healthy sensor is only heard once per poll: a watchdog shorter than one poll plus its
    // answer time would call an idle, working sensor silent (fault/recovered flapping).
    if (opts.faultAfterMs === undefined)
      this.o.faultAfterMs = Math.max(2000, this.o.pollIntervalMs + this.o.commandTimeoutMs);
    this.backoffMs = this.o.backoffInitialMs;
  }

  get state(): R503State {
    return this.stateName;
  }

  /** Library size read from the module at handshake (0 before). */
  get librarySize(): number {
    return this.librarySizeValue;
  }

  /** Parser statistics of the current link (dropped bytes, bad frames). */
  get linkStats() {
    return this.channel?.stats ?? null;
  }

  /** Opens the port and handshakes; on failure reports a fault and keeps retrying. Resolves true if up. */
  async start(): Promise<boolean> {
    if (this.stateName !== "stopped") return this.stateName === "ready";
    return this.connect();
  }

  async stop(): Promise<void> {
    this.stateName = "stopped";
    await this.teardown();
  }

  /** Enrols a finger into slot with guided prompts; the identify loop pauses meanwhile. */
  async enroll(slot: number, onPrompt: (prompt: EnrollPrompt) => void, opts?: EnrollOptions): Promise<void> {
    if (!Number.isInteger(slot) || slot < 0 || slot > 0xffff) throw new RangeError(`bad slot ${slot}`);
    this.requireReady();
    this.stateName = "enrolling";
    this.cancelTimer?.();
    await this.currentPoll;
    const session = this.session;
    try {
      await runEnrollment(
        {
          send: (command, params) => this.command(command, params),
          sleep: (ms) => new Promise((resolve) => this.o.clock.setTimeout(resolve, ms)),
          now: () => this.o.clock.now(),
          pollIntervalMs: this.o.pollIntervalMs,
        },
        slot,
        onPrompt,
        opts,
      );
    } finally {
      if (session === this.session && this.stateName === "enrolling") {
        this.stateName = "ready";
        // The enrolled finger is probably still on the glass: do not identify it until lifted.
        this.fingerDown = true;
        this.schedulePoll(this.o.pollIntervalMs);
      }
    }
  }

  async deleteSlot(slot: number): Promise<void> {
    await this.expectOk(Command.DeleteChar, Buffer.concat([u16(slot), u16(1)]));
  }

  async deleteAll(): Promise<void> {
    await this.expectOk(Command.Empty);
  }

  async templateCount(): Promise<number> {
    return (await this.expectOk(Command.TemplateNum)).data.readUInt16BE(0);
  }

  /** Occupied slots from ReadIndexTable (bit order LSB-first per byte: unverified on hardware). */
  async listUsedSlots(): Promise<number[]> {
    const used: number[] = [];
    const pages = Math.max(1, Math.ceil(this.librarySizeValue / 256));
    for (let page = 0; page < pages; page++) {
      const table = (await this.expectOk(Command.ReadIndexTable, Buffer.of(page))).data;
      for (let i = 0; i < table.length * 8; i++) {
        if (((table[i >> 3] as number) >> (i & 7)) & 1) used.push(page * 256 + i);
      }
    }
    return used.filter((slot) => slot < this.librarySizeValue);
  }

  async led(mode: FingerprintLedMode): Promise<void> {
    await this.expectOk(Command.AuraLedConfig, Buffer.of(...LED_MODES[mode]));
  }

  // ---- commands ----
  private requireReady(): void {
    if (this.stateName !== "ready")
      throw new FingerprintUnavailableError(`fingerprint sensor is ${this.stateName}`);
  }

  /** Sends on the current channel; a timeout outside the poll loop is a fault too. */
  private async command(command: number, params?: Uint8Array): Promise<R503Ack> {
    const channel = this.channel;
    if (!channel) throw new FingerprintUnavailableError(`fingerprint sensor is ${this.stateName}`);
    const session = this.session;
    let ack: R503Ack;
    try {
      ack = await channel.send(command, params);
    } catch (err) {
      if (err instanceof FingerprintTimeoutError && session === this.session) this.fault(err.message);
      throw err;
    }
    if (session === this.session) {
      if (isHealthyAnswer(ack.code)) this.answeredWell();
      else this.lastProblem = errorForCode(command, ack.code).message;
    }
    return ack;
  }

  private async expectOk(command: number, params?: Uint8Array): Promise<R503Ack> {
    this.requireReady();
    const ack = await this.command(command, params);
    if (ack.code !== Confirm.ok) throw errorForCode(command, ack.code);
    return ack;
  }

  // ---- connection, handshake, recovery ----
  private async connect(): Promise<boolean> {
    const session = ++this.session;
    this.stateName = this.faulted ? "recovering" : "connecting";
    let searchWorks = false;
    try {
      const link = await this.o.opener.open(this.o.path, this.o.baudRate);
      if (session !== this.session) {
        await link.close().catch(() => undefined);
        return false;
      }
      this.link = link;
      this.channel = new R503Channel(link, this.o.clock, this.o.address, this.o.commandTimeoutMs);
      link.onClose((err) => {
        if (session === this.session) this.fault(`serial port closed${err ? `: ${err.message}` : ""}`);
      });
      const pwd = await this.channel.send(Command.VfyPwd, u32(this.o.password));
      if (pwd.code !== Confirm.ok) throw errorForCode(Command.VfyPwd, pwd.code);
      const sys = await this.channel.send(Command.ReadSysPara);
      if (sys.code !== Confirm.ok) throw errorForCode(Command.ReadSysPara, sys.code);
      if (session !== this.session) return false;
      this.librarySizeValue = sys.data.readUInt16BE(4);
      if (this.faulted) searchWorks = await this.probeSearch(this.channel);
    } catch (err) {
      if (session === this.session) {
        const detail = err instanceof WrongPasswordError ? "wrong module password" : (err as Error).message;
        this.fault(`handshake failed: ${detail}`);
      }
      return false;
    }
    if (session !== this.session) return false;
    this.stateName = "ready";
    // A finger left on the glass through an outage was maybe read already: wait for a lift.
    this.fingerDown = this.faulted;
    this.answeredWell();
    if (searchWorks) this.recovered();
    else if (this.faulted) this.startProbation(session);
    else this.backoffMs = this.o.backoffInitialMs;
    this.schedulePoll(0);
    return true;
  }

  /**
   * After a fault the handshake alone proves little (a module can answer VfyPwd and still fail
   * every Search): search buffer 1 once. A verdict proves it works; silence is still the fault;
   * any other answer leaves the decision to the probation period. (Unverified on hardware: what a
   * real module answers for an empty buffer; 09 is expected, an error code falls back to probation.)
   */
  private async probeSearch(channel: R503Channel): Promise<boolean> {
    const verdict = searchVerdict(await channel.send(Command.Search, searchParams(this.librarySizeValue)));
    if (verdict.kind === "matched" || verdict.kind === "unknown") return true;
    this.lastProblem = verdict.kind === "problem" || verdict.kind === "malformed" ? verdict.detail : null;
    return false;
  }

  private startProbation(session: number): void {
    this.cancelProbation?.();
    this.cancelProbation = this.o.clock.setTimeout(() => {
      this.cancelProbation = null;
      if (session === this.session && this.faulted && this.stateName !== "recovering") this.recovered();
    }, this.o.recoveryProbationMs);
  }

  private recovered(): void {
    this.cancelProbation?.();
    this.cancelProbation = null;
    this.backoffMs = this.o.backoffInitialMs;
    if (!this.faulted) return;
    this.faulted = false;
    callSafely(this.o.events.deviceRecovered, { device: DEVICE, atMs: this.o.clock.now() });
  }

  /** A valid answer: the sensor works. Re-arms the watchdog. */
  private answeredWell(): void {
    this.lastProblem = null;
    this.cancelWatchdog?.();
    const session = this.session;
    this.cancelWatchdog = this.o.clock.setTimeout(() => {
      this.cancelWatchdog = null;
      if (session !== this.session || (this.stateName !== "ready" && this.stateName !== "enrolling")) return;
      const silence = `no valid answer for ${this.o.faultAfterMs} ms`;
      this.fault(this.lastProblem ? `${this.lastProblem}; ${silence}` : silence);
    }, this.o.faultAfterMs);
  }

  /** Reports the fault (once until it really recovers), drops the link and schedules a reconnect. */
  private fault(detail: string): void {
    if (this.stateName === "stopped") return;
    if (!this.faulted) {
      this.faulted = true;
      callSafely(this.o.events.deviceFault, { device: DEVICE, detail, atMs: this.o.clock.now() });
    }
    this.stateName = "recovering";
    void this.teardown();
    const delay = this.backoffMs;
    this.backoffMs = Math.min(this.backoffMs * 2, this.o.backoffMaxMs);
    this.cancelTimer = this.o.clock.setTimeout(() => {
      this.cancelTimer = null;
      if (this.stateName === "recovering") void this.connect();
    }, delay);
  }

  private async teardown(): Promise<void> {
    this.session++;
    this.cancelTimer?.();
    this.cancelTimer = null;
    this.cancelWatchdog?.();
    this.cancelWatchdog = null;
    this.cancelProbation?.();
    this.cancelProbation = null;
    this.channel?.dispose();
    this.channel = null;
    const link = this.link;
    this.link = null;
    await link?.close().catch(() => undefined);
  }

  // ---- identify loop ----
  private schedulePoll(delayMs: number): void {
    this.cancelTimer?.();
    const session = this.session;
    this.cancelTimer = this.o.clock.setTimeout(() => {
      this.cancelTimer = null;
      if (session === this.session && this.stateName === "ready") this.currentPoll = this.pollOnce(session);
    }, delayMs);
  }

  private async pollOnce(session: number): Promise<void> {
    const channel = this.channel;
    if (!channel) return;
    try {
      this.onIdentified(
        await identifyOnce((c, p) => channel.send(c, p), this.librarySizeValue, this.fingerDown),
      );
    } catch (err) {
      if (session !== this.session) return;
      // A lost or corrupted answer is noise until the watchdog says otherwise: poll again.
      if (err instanceof FingerprintTimeoutError) this.lastProblem = err.message;
      else {
        this.fault((err as Error).message);
        return;
      }
    }
    if (session === this.session && this.stateName === "ready") this.schedulePoll(this.o.pollIntervalMs);
  }

  private onIdentified(outcome: IdentifyOutcome): void {
    const atMs = this.o.clock.now();
    if (outcome.kind === "problem" || outcome.kind === "malformed") {
      this.lastProblem = outcome.detail;
      if (outcome.kind === "malformed") {
        // Reported once, then this finger waits for a lift instead of being searched every poll.
        this.fingerDown = true;
        callSafely(this.o.events.protocolError, { device: DEVICE, detail: outcome.detail, atMs });
      }
      return;
    }
    // lifted, held, smudged (a poor capture: try again next poll), or a verdict: all valid answers.
    if (outcome.kind === "lifted") this.fingerDown = false;
    this.answeredWell();
    if (outcome.kind !== "matched" && outcome.kind !== "unknown") return;
    this.fingerDown = true;
    this.recovered(); // a Search worked: whatever was wrong is over
    if (outcome.kind === "matched")
      callSafely(this.o.events.fingerMatched, { slot: outcome.slot, score: outcome.score, atMs });
    else callSafely(this.o.events.fingerUnknown, { atMs });
  }
}
