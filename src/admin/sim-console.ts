import { createInterface } from "node:readline";
import { type Bit, encodeCard } from "../../devices/badge/card-formats.js";
import type { Clock } from "../../devices/types.js";
import type { ReaderDevices, SimDoor, VirtualReader } from "../../simulator/sim-doors.js";
import type { Simulator } from "../../simulator/simulator.js";
import { type App, unitOf } from "../app.js";
import type { AuditRecord } from "../audit/audit-log.js";
import { CARD_FORMAT_OF } from "../osdp/osdp-buses.js";
import { printable, safeJson } from "../store/person-name.js";

export const CONSOLE_HELP = `commands:
  press KEYS       type on the keypad like a person (a key every 160 ms), e.g. press 1234#
                   (* clears, # submits)
  door push        push the door (opens only while the bolt is released)
  door release     let go: the door swings shut
  door force       break the door open
  rex              press the request-to-exit button
  finger N         place the finger whose template is in sensor slot N (an empty slot N: a new
                   finger "finger-N", so enrolling into slot N with 'finger N' and then
                   'finger N' again matches); it stays on the sensor until 'finger lift'
  finger unknown   place a finger the sensor has never seen
  finger lift      lift the finger off the sensor
  badge NUMBER     present a badge to the configured reader (Wiegand: W26, or W34 above 16777215;
                   RDM6300: the number as the EM4100 tag)
  badge garbled    a Wiegand frame with bad parity (a misread)
  card F:C         present a card to an OSDP reader, encoded in its configured format
                   (card 123:45678 @outer-in); card garbled: a read with bad parity
  osdp tamper      open (or, again, close) an OSDP reader's case; osdp silent: it stops answering
                   (again: it answers again); osdp led: its LED and buzzer state
  wait MS          let MS milliseconds pass
  status           lock, door, lockout state and device health (ok/degraded/failed)
  help             this list
  Every device command takes a door or a reader: press 1234# @inner, door push @inner,
  rex @vestibule, badge 42 @outer-exit (default: the first door).
  quit             stop the controller (the lock is driven locked)`;

const KEYS = new Set("0123456789*#");

export function formatRecord(r: AuditRecord): string {
  const parts = [`#${r.seq}`, new Date(r.tsMs).toISOString(), r.kind, r.reason];
  if (r.outcome) parts.push(r.outcome);
  if (r.credential) parts.push(`via ${r.credential}`);
  if (r.userCode) parts.push(r.userCode);
  if (r.detail) parts.push(safeJson(r.detail));
  return `event ${parts.join(" ")}`;
}

/**
 * Drives the virtual hardware from typed or piped commands, one at a time, and prints every
 * audit event as it is committed. Returns when the input ends or on `quit`.
 */
export class SimConsole {
  constructor(
    private readonly app: App,
    private readonly sim: Simulator,
    private readonly clock: Clock,
    private readonly out: (line: string) => void,
    /** How time passes between commands: real time under `npm start`, the fake clock in tests. */
    private readonly timing: { sleep: (ms: number) => Promise<void> } = {
      sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
    },
  ) {}

  attach(): () => void {
    return this.app.services.audit.onAppend((r) => this.out(formatRecord(r)));
  }

  async run(input: NodeJS.ReadableStream, interactive: boolean): Promise<void> {
    const rl = createInterface({ input, terminal: false });
    if (interactive) this.out(`type 'help' for commands`);
    for await (const raw of rl) {
      const line = raw.trim();
      if (!line || line.startsWith("#!")) continue;
      const keepGoing = await this.execute(line);
      if (!keepGoing) break;
    }
    rl.close();
  }

  /** Runs one command; returns false on quit. Bad commands print an error and change nothing. */
  async execute(line: string): Promise<boolean> {
    const [cmd, ...words] = line.split(/\s+/);
    // `@name` picks a door, or a reader (and so its door); without it, the first door.
    const at = words.findIndex((w) => w.startsWith("@"));
    const name = at >= 0 ? (words[at] as string).slice(1) : null;
    const args = words.filter((_, i) => i !== at);
    const arg = args.join("");
    let target: { door: SimDoor; reader: string | undefined };
    try {
      target = this.target(name);
    } catch (err) {
      return this.error((err as Error).message);
    }
    switch (cmd) {
      case "press": {
        if (!arg || [...arg].some((k) => !KEYS.has(k)))
          return this.error("press: keys are 0-9, * and #, e.g. press 1234#");
        const keypad = this.readerOf(target, "keypad");
        if (keypad === null) return this.error(`press: door ${target.door.id} has no keypad`);
        // Paced like a person (sim.typeKeys): all at once, a long PIN overflows the keypad FIFO.
        await this.settleUntil(target.door.typeKeys(arg, keypad));
        await this.settle(100);
        return true;
      }
      case "door": {
        const door = target.door.door;
        if (arg === "push") this.out(door.push() ? "door: opened" : "door: locked, it does not move");
        else if (arg === "release") door.release();
        else if (arg === "force") door.force();
        else return this.error("door: push, release or force");
        await this.settle(100);
        return true;
      }
      case "rex":
        target.door.pressExit();
        await this.settle(300);
        return true;
      case "wait": {
        const ms = Number(arg);
        if (!Number.isInteger(ms) || ms < 0 || ms > 3_600_000)
          return this.error("wait: a number of milliseconds, e.g. wait 6000");
        await this.settle(ms);
        return true;
      }
      case "finger":
        return this.finger(arg, target);
      case "badge":
        return this.badge(arg, target);
      case "card":
        return this.card(arg, target);
      case "osdp":
        return this.osdp(arg, target);
      case "status":
        if (name === null) for (const unit of this.app.services.units) this.out(this.status(unit.id));
        else this.out(this.status(target.door.id));
        return true;
      case "help":
        this.out(CONSOLE_HELP);
        return true;
      case "quit":
      case "exit":
        return false;
      default:
        return this.error(`unknown command '${cmd}'; type 'help'`);
    }
  }

  /** One door's status; a single-door controller's line is today's, several doors each name theirs. */
  status(doorId: string = this.app.services.units[0]?.id ?? ""): string {
    const unit = unitOf(this.app.services, doorId);
    const d = unit.door.status();
    const l = unit.access.lockoutState("pin", this.clock.now());
    const lock = l.lockedOut
      ? `locked out until ${new Date(l.untilMs ?? 0).toISOString()}`
      : `${l.failures} recent failures`;
    const several = this.app.services.units.length > 1;
    const devices = Object.entries(this.app.services.health.snapshot())
      .filter(([name]) => !several || name.startsWith(`${doorId}/`))
      .map(([name, e]) => `${name}:${e.state}`)
      .join(",");
    return `status ${several ? `door=${doorId} ` : ""}lock=${d.lock} door=${d.door} phase=${d.phase}${d.fault ? ` fault=${d.fault}` : ""} keypad=${lock} health=${devices}`;
  }

  /** The door a command names, or the door of the reader it names, or the first door. */
  private target(name: string | null): { door: SimDoor; reader: string | undefined } {
    if (name === null) return { door: this.sim.doors[0] as SimDoor, reader: undefined };
    const door = this.sim.doorOf(name);
    return { door, reader: door.id === name ? undefined : name };
  }

  /** The reader of that kind the command means: the one named, else the door's first of the kind. */
  private readerOf(
    t: { door: SimDoor; reader: string | undefined },
    kind: VirtualReader["kind"],
  ): string | null {
    const found = t.door.readers.find(
      (r) => r.kind === kind && (t.reader === undefined || r.id === t.reader),
    );
    return found?.id ?? null;
  }

  private device<K extends keyof ReaderDevices>(
    t: { door: SimDoor; reader: string | undefined },
    kind: K,
  ): ReaderDevices[K] | null {
    const id = this.readerOf(t, kind);
    const found = t.door.readers.find((r) => r.id === id);
    return found ? (found.device as ReaderDevices[K]) : null;
  }

  private async finger(arg: string, target: { door: SimDoor; reader: string | undefined }): Promise<true> {
    const sensor = this.device(target, "fingerprint");
    if (sensor === null) return this.error(`finger: door ${target.door.id} has no fingerprint sensor`);
    if (arg === "lift") sensor.liftFinger();
    else if (arg === "unknown") sensor.placeFinger(`unknown-${this.clock.now()}`);
    else if (/^\d{1,4}$/.test(arg))
      sensor.placeFinger(sensor.templateAt(Number(arg)) ?? `finger-${Number(arg)}`);
    else return this.error("finger: N (a slot number), unknown or lift");
    await this.settle(800);
    return true;
  }

  private async badge(arg: string, target: { door: SimDoor; reader: string | undefined }): Promise<true> {
    // A single-door file wires both kinds; its configured one is the one that answers.
    const single = this.app.settings.doors === null;
    const rdm = single
      ? this.app.settings.badge.reader === "rdm6300"
        ? this.sim.rdm6300
        : null
      : this.device(target, "rdm6300");
    const wiegand = single ? (rdm ? null : this.sim.wiegand) : this.device(target, "wiegand");
    if (!rdm && !wiegand) return this.error(`badge: door ${target.door.id} has no badge reader`);
    if (arg === "garbled") {
      if (!wiegand) return this.error("badge garbled: a Wiegand reader's misread");
      void wiegand.presentRaw(Array.from({ length: 26 }, (_, i) => (i % 3 === 0 ? 1 : 0)));
    } else if (/^\d{1,10}$/.test(arg) && Number(arg) <= 0xffffffff) {
      const n = Number(arg);
      if (rdm && (!wiegand || target.reader !== undefined)) {
        rdm.present(n.toString(16).padStart(8, "0"));
        this.clock.setTimeout(() => rdm.remove(), 600);
      } else if (wiegand) {
        // As the reader sends it: a W34-only reader sends every card as 34 bits.
        if (!wiegand.canSend(n)) return this.error(`badge: ${n} does not fit this reader's formats`);
        void wiegand.presentCard(n);
      }
    } else return this.error("badge: a decimal badge number (up to 4294967295) or garbled");
    await this.settle(300);
    return true;
  }

  private async card(arg: string, target: { door: SimDoor; reader: string | undefined }): Promise<true> {
    const id = this.readerOf(target, "osdp");
    const found = target.door.readers.find((r) => r.id === id);
    if (found?.kind !== "osdp") return this.error(`card: door ${target.door.id} has no OSDP reader`);
    const format = CARD_FORMAT_OF[found.format];
    if (arg === "garbled") {
      const bits = format === "raw" ? [1, 0, 1] : encodeCard(format, 1, 1);
      if (format !== "raw") bits[1] = bits[1] === 1 ? 0 : 1; // one flipped bit: parity fails
      found.device.presentCard(bits as Bit[]);
    } else {
      const match = /^(\d{1,10}):(\d{1,10})$/.exec(arg);
      if (!match || format === "raw") return this.error("card: FACILITY:CARD (e.g. 123:45678) or garbled");
      try {
        found.device.presentCard(encodeCard(format, Number(match[1]), Number(match[2])));
      } catch (err) {
        return this.error(`card: ${(err as Error).message}`);
      }
    }
    await this.settle(300);
    return true;
  }

  private async osdp(arg: string, target: { door: SimDoor; reader: string | undefined }): Promise<true> {
    const pd = this.device(target, "osdp");
    if (pd === null) return this.error(`osdp: door ${target.door.id} has no OSDP reader`);
    if (arg === "tamper") pd.tamper = !pd.tamper;
    else if (arg === "silent") pd.silent = !pd.silent;
    else if (arg === "led") {
      const led = pd.led ? safeJson(pd.led) : "none";
      this.out(
        `osdp: led=${led} buzzer=${pd.buzzer ? safeJson(pd.buzzer) : "none"} secure=${pd.secureChannelActive}`,
      );
      return true;
    } else return this.error("osdp: tamper, silent or led");
    await this.settle(300);
    return true;
  }

  private error(message: string): true {
    // Typed text is echoed back: never raw, so an escape sequence cannot drive the terminal.
    this.out(`error: ${printable(message)}`);
    return true;
  }

  /** Lets time pass in small steps until done settles (the fake clock only moves when told). */
  private async settleUntil(done: Promise<void>): Promise<void> {
    let finished = false;
    void done.finally(() => {
      finished = true;
    });
    while (!finished) await this.timing.sleep(20);
  }

  /** Lets time pass: the simulator runs on the system clock in `npm start`. */
  private async settle(ms: number): Promise<void> {
    await this.timing.sleep(ms);
    for (const unit of this.app.services.units) await unit.access.idle();
  }
}
