import { createInterface } from "node:readline";
import type { Clock } from "../../devices/types.js";
import type { Simulator } from "../../simulator/simulator.js";
import type { App } from "../app.js";
import type { AuditRecord } from "../audit/audit-log.js";
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
  wait MS          let MS milliseconds pass
  status           lock, door, lockout state and device health (ok/degraded/failed)
  help             this list
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
    const [cmd, ...args] = line.split(/\s+/);
    const arg = args.join("");
    switch (cmd) {
      case "press":
        if (!arg || [...arg].some((k) => !KEYS.has(k)))
          return this.error("press: keys are 0-9, * and #, e.g. press 1234#");
        // Paced like a person (sim.typeKeys): all at once, a long PIN overflows the keypad FIFO.
        await this.settleUntil(this.sim.typeKeys(arg));
        await this.settle(100);
        return true;
      case "door":
        if (arg === "push")
          this.out(this.sim.door.push() ? "door: opened" : "door: locked, it does not move");
        else if (arg === "release") this.sim.door.release();
        else if (arg === "force") this.sim.door.force();
        else return this.error("door: push, release or force");
        await this.settle(100);
        return true;
      case "rex":
        this.sim.pressExit();
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
        return this.finger(arg);
      case "badge":
        return this.badge(arg);
      case "status":
        this.out(this.status());
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

  status(): string {
    const d = this.app.services.door.status();
    const l = this.app.services.access.lockoutState("pin", this.clock.now());
    const lock = l.lockedOut
      ? `locked out until ${new Date(l.untilMs ?? 0).toISOString()}`
      : `${l.failures} recent failures`;
    const devices = Object.entries(this.app.services.health.snapshot())
      .map(([name, e]) => `${name}:${e.state}`)
      .join(",");
    return `status lock=${d.lock} door=${d.door} phase=${d.phase}${d.fault ? ` fault=${d.fault}` : ""} keypad=${lock} health=${devices}`;
  }

  private async finger(arg: string): Promise<true> {
    const sensor = this.sim.fingerprint;
    if (arg === "lift") sensor.liftFinger();
    else if (arg === "unknown") sensor.placeFinger(`unknown-${this.clock.now()}`);
    else if (/^\d{1,4}$/.test(arg))
      sensor.placeFinger(sensor.templateAt(Number(arg)) ?? `finger-${Number(arg)}`);
    else return this.error("finger: N (a slot number), unknown or lift");
    await this.settle(800);
    return true;
  }

  private async badge(arg: string): Promise<true> {
    const reader = this.app.settings.badge.reader;
    if (arg === "garbled") {
      void this.sim.wiegand.presentRaw(Array.from({ length: 26 }, (_, i) => (i % 3 === 0 ? 1 : 0)));
    } else if (/^\d{1,10}$/.test(arg) && Number(arg) <= 0xffffffff) {
      const n = Number(arg);
      if (reader === "rdm6300") {
        this.sim.rdm6300.present(n.toString(16).padStart(8, "0"));
        this.clock.setTimeout(() => this.sim.rdm6300.remove(), 600);
      } else void this.sim.wiegand.present(n, n > 0xffffff ? "W34" : "W26");
    } else return this.error("badge: a decimal badge number (up to 4294967295) or garbled");
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
    await this.app.services.access.idle();
  }
}
