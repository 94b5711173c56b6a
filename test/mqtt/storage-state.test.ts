import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { fillDisk } from "../helpers/full-disk.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";

describe("MQTT state while the audit log cannot be written", () => {
  let broker: TestBroker;
  let h: Harness | undefined;
  const cleanups: Array<() => Promise<void>> = [];
  beforeEach(async () => {
    broker = await startTestBroker();
  });
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c().catch(() => {});
    await h?.app.stop();
    h = undefined;
    await broker.close();
  });

  it("state faults carry `storage` while writes fail, and drop it once they work again", async () => {
    const door = uniqueId("door");
    h = await startHarness({ door_id: door, mqtt: { enabled: true, url: broker.url } });
    const harness = h;
    await waitUntil(() => harness.app.services.mqtt?.isConnected() === true);
    const sub = await subscriber(broker.url, [`doorward/${door}/state`]);
    cleanups.push(sub.end);
    await sub.waitFor((m) => m.length > 0);
    const cure = fillDisk(harness);
    harness.sim.pressExit();
    await harness.clock.advance(50);
    await harness.app.services.access.idle();
    const faults = () => (JSON.parse(sub.messages.at(-1)?.text ?? "{}") as { faults: string[] }).faults;
    await sub.waitFor(() => faults().some((f) => f.startsWith("storage: ")));
    expect(faults().join()).toMatch(/storage: .*full/);
    cure();
    await harness.clock.advance(6_000);
    await sub.waitFor(() => faults().length === 0);
  });
});
