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
});
