import { describe, expect, it } from "vitest";
import { FakeClock } from "../../simulator/fake-clock.js";
import { OrderedSteps } from "../../simulator/ordered-steps.js";
import { LateWakingClock } from "../helpers/event-loop-stall.js";

describe("OrderedSteps", () => {
  it("after a stall, runs overdue steps at once in order, but a kept gap counts from when the previous step ran", async () => {
    const clock = new LateWakingClock();
    const start = clock.now();
    const ran: string[] = [];
    const at = (name: string) => () => ran.push(`${name}@${clock.now() - start}`);
    const steps = new OrderedSteps(clock);
    steps.add(
      { afterMs: 0, run: at("a") },
      { afterMs: 10, run: at("b") },
      { afterMs: 10, keepGapAfterStall: true, run: at("c") },
      { afterMs: 10, run: at("d") },
    );

    await clock.wakeAfter(100); // a, b and c all fell due during the stall
    await clock.tick(30);

    expect(ran).toEqual(["a@100", "b@100", "c@110", "d@120"]);
    expect(steps.pending).toBe(0);
  });

  it("a step that throws is lost, not the steps queued behind it", async () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const steps = new OrderedSteps(clock);
    steps.add(
      {
        afterMs: 0,
        run: () => {
          throw new Error("listener failed");
        },
      },
      { afterMs: 5, run: () => ran.push("next") },
    );

    await expect(clock.advance(0)).rejects.toThrow("listener failed");
    await clock.advance(10);

    expect(ran).toEqual(["next"]);
  });

  it("clear drops queued steps and forgets the last gap: the next step runs at once", async () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const steps = new OrderedSteps(clock);
    steps.add({ afterMs: 0, run: () => ran.push("first") }, { afterMs: 50, run: () => ran.push("dropped") });
    await clock.advance(10);
    steps.clear();
    steps.add({ afterMs: 50, keepGapAfterStall: true, run: () => ran.push("fresh") });
    await clock.advance(0);

    expect(ran).toEqual(["first", "fresh"]);
    expect(clock.pendingTimers()).toBe(0);
  });

  it("a step run until settled holds the steps behind it; their gap counts from when it settled", async () => {
    const clock = new FakeClock();
    const start = clock.now();
    const ran: string[] = [];
    let settle: () => void = () => {};
    const steps = new OrderedSteps(clock);
    steps.add(
      { afterMs: 0, runUntilSettled: () => new Promise<void>((resolve) => (settle = resolve)) },
      { afterMs: 10, run: () => ran.push(`after@${clock.now() - start}`) },
    );
    await clock.advance(100);
    expect(ran).toEqual([]); // 10 ms passed long ago; the first step has not ended
    settle();
    await clock.advance(9);
    expect(ran).toEqual([]);
    await clock.advance(1);
    expect(ran).toEqual(["after@110"]);
  });

  it("clear while a step is still settling: its settling later does not end the new sequence's step", async () => {
    const clock = new FakeClock();
    const ran: string[] = [];
    const settlers: (() => void)[] = [];
    const untilSettled = () => new Promise<void>((resolve) => settlers.push(resolve));
    const steps = new OrderedSteps(clock);
    steps.add({ afterMs: 0, runUntilSettled: untilSettled }, { afterMs: 0, run: () => ran.push("dropped") });
    await clock.advance(5);
    steps.clear();
    steps.add(
      { afterMs: 0, runUntilSettled: untilSettled },
      { afterMs: 0, run: () => ran.push("after new") },
    );
    await clock.advance(0);
    settlers[0]?.(); // the old sequence's step ends
    await clock.advance(50);
    expect(ran).toEqual([]);
    settlers[1]?.();
    await clock.advance(0);
    expect(ran).toEqual(["after new"]);
    expect(clock.pendingTimers()).toBe(0);
  });
});
