import { createRequire } from "node:module";
import { afterEach, describe, expect, it } from "vitest";
import { type Harness, startHarness } from "../helpers/harness.js";
import { startTestBroker, type TestBroker, uniqueId } from "../helpers/mqtt-broker.js";

/** mqtt-packet's message-id cache: 65,536 two-byte Buffers (~6.5 MB of heap) once built. */
const numbers = createRequire(import.meta.url)("mqtt-packet/numbers.js") as { cache: Record<number, Buffer> };

describe("MQTT memory footprint (issue 15: 100 MB resident)", () => {
  let broker: TestBroker | null = null;
  let h: Harness | null = null;
  afterEach(async () => {
    await h?.app.stop();
    await broker?.close();
  });

  it("publishes events without building mqtt.js's 65,536-buffer number cache", async () => {
    broker = await startTestBroker();
    h = await startHarness({ door_id: uniqueId("door"), mqtt: { enabled: true, url: broker.url } });
    h.addUserWithPin("Alice Example", "4711");
    await h.type("4711#");
    const last = h.app.services.audit.last()?.seq ?? 0;
    await h.app.services.mqtt?.waitForPublished(last);
    expect(last).toBeGreaterThan(1);
    expect(Object.keys(numbers.cache)).toHaveLength(0);
  });
});
