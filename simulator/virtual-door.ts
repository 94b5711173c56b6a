import type { Clock, Level } from "../devices/types.js";
import type { SimPin } from "./sim-gpio.js";

export interface DoorHistoryEntry {
  atMs: number;
  event: "bolt_released" | "bolt_thrown" | "opened" | "closed" | "push_refused" | "forced_open";
}

/**
 * How many events the door remembers (the newest). Tests and the panel look at the last few; a
 * simulator left running at 50 attempts a second would otherwise grow by ~7 MB an hour.
 */
export const DOOR_HISTORY_CAP = 1000;

/**
 * A door with an electric strike, seen from the wire: it watches the relay output pin and
 * drives the door-contact pin. It can only be pushed open while the bolt is released
 * (unless forced), and it closes when the person lets go.
 */
export class VirtualDoor {
  /** The newest DOOR_HISTORY_CAP events, oldest first. */
  readonly history: DoorHistoryEntry[] = [];
  private open = false;
  private pulses = 0;

  constructor(
    private readonly relayPin: SimPin,
    private readonly contactPin: SimPin,
    private readonly clock: Clock,
    /** Electrical level of the relay pin that releases the bolt (0 for an active-low relay board). */
    private readonly releasedLevel: Level = 1,
    /** Electrical level of the contact when the door is open (a closed reed switch pulls low). */
    private readonly openLevel: Level = 1,
  ) {
    relayPin.onChange((level) => this.note(level === this.releasedLevel ? "bolt_released" : "bolt_thrown"));
    contactPin.drive(this.closedLevel());
  }

  get boltReleased(): boolean {
    return this.relayPin.level === this.releasedLevel;
  }

  get isOpen(): boolean {
    return this.open;
  }

  /** A person pushes: opens only if the bolt is released. Returns whether it opened. */
  push(): boolean {
    if (this.open) return true;
    if (!this.boltReleased) {
      this.note("push_refused");
      return false;
    }
    this.setOpen(true, "opened");
    return true;
  }

  /** Someone breaks the door open whatever the bolt says. */
  force(): void {
    if (!this.open) this.setOpen(true, "forced_open");
  }

  /** The person lets go and the closer shuts the door. */
  release(): void {
    if (this.open) this.setOpen(false, "closed");
  }

  /** How many times the bolt was released since start: one grant should mean exactly one. */
  pulseCount(): number {
    return this.pulses;
  }

  private setOpen(open: boolean, event: DoorHistoryEntry["event"]): void {
    this.open = open;
    this.note(event);
    this.contactPin.drive(open ? this.openLevel : this.closedLevel());
  }

  private closedLevel(): Level {
    return (1 - this.openLevel) as Level;
  }

  private note(event: DoorHistoryEntry["event"]): void {
    if (event === "bolt_released") this.pulses++;
    this.history.push({ atMs: this.clock.now(), event });
    if (this.history.length > DOOR_HISTORY_CAP) this.history.shift();
  }
}
