import { describe, expect, it } from "vitest";
import { EventBus } from "../../src/events/event-bus.js";

interface TestEvents {
  ping: { n: number };
  other: { s: string };
}

function busWithSink() {
  const errors: Array<[string, string]> = [];
  const bus = new EventBus<TestEvents>((event, err) => errors.push([event, (err as Error).message]));
  return { bus, errors };
}

describe("EventBus listener isolation", () => {
  it("a listener that throws, registered first, does not stop the listeners after it; the sink hears of it", () => {
    const { bus, errors } = busWithSink();
    const heard: number[] = [];
    bus.on("ping", () => {
      throw new Error("buggy listener");
    });
    bus.on("ping", ({ n }) => void heard.push(n));
    expect(() => bus.emit("ping", { n: 1 })).not.toThrow();
    expect(heard).toEqual([1]);
    expect(errors).toEqual([["ping", "buggy listener"]]);
  });

  it("a listener whose promise rejects is reported to the sink, not left unhandled", async () => {
    const { bus, errors } = busWithSink();
    const heard: number[] = [];
    bus.on("ping", async () => {
      throw new Error("async failure");
    });
    bus.on("ping", ({ n }) => void heard.push(n));
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on("unhandledRejection", onUnhandled);
    try {
      bus.emit("ping", { n: 2 });
      for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off("unhandledRejection", onUnhandled);
    }
    expect(heard).toEqual([2]);
    expect(errors).toEqual([["ping", "async failure"]]);
    expect(unhandled).toEqual([]);
  });

  it("delivers each event only to its own listeners, in order, until they unsubscribe", () => {
    const { bus, errors } = busWithSink();
    const heard: string[] = [];
    const offA = bus.on("ping", ({ n }) => void heard.push(`a${n}`));
    bus.on("ping", ({ n }) => void heard.push(`b${n}`));
    bus.on("other", ({ s }) => void heard.push(`o${s}`));
    bus.emit("ping", { n: 1 });
    offA();
    bus.emit("ping", { n: 2 });
    bus.emit("other", { s: "x" });
    expect(heard).toEqual(["a1", "b1", "b2", "ox"]);
    expect(errors).toEqual([]);
  });
});
