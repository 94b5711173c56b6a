import { afterEach, describe, expect, it } from "vitest";
import { doorEntry, keypadReader } from "../helpers/doors.js";
import { type Harness, startHarness } from "../helpers/harness.js";
import { startTestBroker, subscriber, type TestBroker, uniqueId, waitUntil } from "../helpers/mqtt-broker.js";

describe("occupancy over MQTT and Home Assistant", () => {
  let broker: TestBroker | null = null;
  let h: Harness | null = null;
  const ends: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const end of ends.splice(0)) await end().catch(() => {});
    await h?.app.stop();
    await broker?.close();
  });

  it("state carries the count of people inside; a retained HA sensor reads it", async () => {
    broker = await startTestBroker();
    const outer = uniqueId("outer");
    const disc = uniqueId("ha");
    h = await startHarness({
      doors: [
        doorEntry(outer, 4, [keypadReader("outer-in", 0x34, "in"), keypadReader("outer-out", 0x35, "out")]),
        doorEntry("cage", 7, [keypadReader("cage-in", 0x36, "in")]),
      ],
      mqtt: { enabled: true, url: broker.url, home_assistant: { discovery_prefix: disc } },
    });
    const harness = h;
    await waitUntil(() => harness.app.services.mqtt?.isConnected() === true);
    const state = await subscriber(broker.url, [`doorward/${outer}/state`]);
    const discovery = await subscriber(broker.url, [`${disc}/sensor/+/occupancy/config`]);
    ends.push(state.end, discovery.end);
    await discovery.waitFor((m) => m.length > 0);
    expect(discovery.messages[0]?.retain).toBe(true);
    expect(JSON.parse(discovery.messages[0]?.text ?? "")).toMatchObject({
      name: "Occupancy",
      state_topic: `doorward/${outer}/state`,
      value_template: "{{ value_json.occupancy }}",
      state_class: "measurement",
    });
    await state.waitFor((m) => m.some((x) => JSON.parse(x.text).occupancy === 0));

    h.addUserWithPin("alice", "1234");
    const typed = h.sim.doors[0]?.typeKeys("1234#", "outer-in");
    await h.clock.advance(2 * 5 * 80 + 100);
    await typed;
    await h.app.services.units[0]?.access.idle();
    await state.waitFor((m) => m.some((x) => JSON.parse(x.text).occupancy === 1));
    // What leaves the device is a count, never who.
    expect(state.messages.map((m) => m.text).join("")).not.toMatch(/alice|u-/);
  });
});
