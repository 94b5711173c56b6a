import { describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { SimPin } from "../../simulator/sim-gpio.js";
import { DOOR_HISTORY_CAP, VirtualDoor } from "../../simulator/virtual-door.js";

function door() {
  const relay = new SimPin(17);
  const contact = new SimPin(27);
  const clock = new FakeClock();
  return { relay, contact, clock, door: new VirtualDoor(relay, contact, clock) };
}

/** One grant as the wire sees it: the relay releases the bolt, then throws it again. */
function pulse(relay: SimPin): void {
  relay.set(1);
  relay.set(0);
}

describe("VirtualDoor history (bounded: a simulator running for months must not grow)", () => {
  it("keeps only the newest DOOR_HISTORY_CAP events after CAP + 1000 more", async () => {
    const { relay, clock, door: d } = door();
    const pulses = DOOR_HISTORY_CAP / 2 + 500; // two events each: CAP + 1000 events
    for (let i = 0; i < pulses; i++) {
      await clock.advance(1);
      pulse(relay);
    }
    expect(d.history).toHaveLength(DOOR_HISTORY_CAP);
    // The newest are kept, in order: the last event is the last bolt_thrown.
    expect(d.history.at(-1)).toEqual({ atMs: clock.now(), event: "bolt_thrown" });
    expect(d.history.at(-2)).toEqual({ atMs: clock.now(), event: "bolt_released" });
    const times = d.history.map((h) => h.atMs);
    expect(times).toEqual([...times].sort((a, b) => a - b));
  });

  it("still counts every pulse since start, including those no longer in the history", () => {
    const { relay, door: d } = door();
    const pulses = DOOR_HISTORY_CAP + 1000;
    for (let i = 0; i < pulses; i++) pulse(relay);
    expect(d.pulseCount()).toBe(pulses);
  });

  it("records pushes, opens and closes as before", () => {
    const { relay, contact, door: d } = door();
    expect(d.push()).toBe(false);
    relay.set(1);
    expect(d.push()).toBe(true);
    expect(contact.level).toBe(1);
    d.release();
    expect(d.history.map((h) => h.event)).toEqual(["push_refused", "bolt_released", "opened", "closed"]);
  });
});
