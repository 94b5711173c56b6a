import { describe, expect, it } from "vitest";
import type { BadgeBadRead, BadgeRead } from "../../devices/badge/badge-events.js";
import { encodeWiegand } from "../../devices/badge/wiegand-frame.js";
import { WiegandReader } from "../../devices/badge/wiegand-reader.js";
import { systemClock } from "../../devices/system-clock.js";
import type { Clock } from "../../devices/types.js";
import { SimGpioChip } from "../../simulator/sim-gpio.js";
import { VirtualWiegandReader } from "../../simulator/virtual-wiegand-reader.js";
import { LateWakingClock, stallEventLoop } from "../helpers/event-loop-stall.js";

/**
 * A stalled event loop (a loaded machine, a long GC, a blocking call) makes many timers due at
 * once. Node does not run them in due order then: timers with the same delay share one list,
 * lists run in the order of their OLDEST timer, and a list runs every timer in it that is due.
 * A bit timer whose delay equals another component's pending timer (the TCA8418 keypad polls
 * every 20 ms) therefore runs before bits due earlier. Moving bit 10 of badge 12345678 forward
 * keeps the first parity half's count: it decoded as 12460366 or 12394830 (depending on the other
 * timer's phase), a valid frame with someone else's number — the rare `unknown_credential` of
 * the two-door console test at high load, where two TCA8418 keypads poll every 20 ms.
 */

/** The real driver on simulated lines; `reports` are its frames, read or refused, in order. */
async function readerOnSimulatedLines(clock: Clock) {
  const chip = new SimGpioChip(clock);
  const d0 = chip.pin(5, 1);
  const d1 = chip.pin(6, 1);
  const lines = { d0: await chip.open(5, "in"), d1: await chip.open(6, "in") };
  const reports: (BadgeRead | BadgeBadRead)[] = [];
  let reportFirst: (first: BadgeRead | BadgeBadRead) => void = () => {};
  const firstReport = new Promise<BadgeRead | BadgeBadRead>((resolve) => {
    reportFirst = resolve;
  });
  const report = (result: BadgeRead | BadgeBadRead) => {
    reports.push(result);
    reportFirst(result);
  };
  const reader = new WiegandReader({ ...lines, clock, onBadge: report, onBadRead: report });
  reader.start();
  const virtual = new VirtualWiegandReader({ d0, d1, clock });
  return { virtual, d0, d1, reports, firstReport, stop: () => reader.stop() };
}

describe("VirtualWiegandReader after an event-loop stall", () => {
  it("on Node's real timers, a stall with another 20 ms timer pending still reads the presented number", async () => {
    const { virtual, firstReport, stop } = await readerOnSimulatedLines(systemClock);

    const cancelPoll = systemClock.setTimeout(() => {}, 20); // a keypad's poll, armed a little earlier
    stallEventLoop(5);
    const sent = virtual.present(12345678, "W26");
    stallEventLoop(100); // every bit of the frame falls due while the loop is blocked
    await sent;
    cancelPoll();

    expect(await firstReport.finally(stop)).toMatchObject({ number: "12345678", format: "W26" });
  });

  it("with overdue timers run newest first, the wire still carries the frame in order and it reads back", async () => {
    const clock = new LateWakingClock();
    const { virtual, d0, d1, reports } = await readerOnSimulatedLines(clock);
    const wire: string[] = [];
    d0.onChange((level) => level === 0 && wire.push("0"));
    d1.onChange((level) => level === 0 && wire.push("1"));

    const sent = virtual.present(12345678, "W26");
    await clock.wakeAfter(200); // the whole frame is overdue at once
    await sent;
    await clock.wakeAfter(200); // and the driver's end-of-frame gap

    expect(wire.join("")).toBe(encodeWiegand(12345678, "W26").join(""));
    expect(reports).toMatchObject([{ number: "12345678", format: "W26" }]);
  });

  it("two cards queued back to back, both overdue after a stall, are still sent as two frames and both read", async () => {
    const clock = new LateWakingClock();
    const { virtual, reports } = await readerOnSimulatedLines(clock);

    const first = virtual.present(12345678, "W26");
    const second = virtual.present(87654321, "W34");
    await clock.wakeAfter(500); // both frames and the gap between them fell due in the stall
    await clock.tick(300); // a healthy loop again: timers run when due
    await Promise.all([first, second]);

    expect(reports).toMatchObject([
      { number: "12345678", format: "W26" },
      { number: "87654321", format: "W34" },
    ]);
  });
});
