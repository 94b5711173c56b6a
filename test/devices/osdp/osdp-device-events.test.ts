import { describe, expect, it } from "vitest";
import { encodeCard } from "../../../devices/badge/card-formats.js";
import { type DeviceEventSink, osdpToDeviceEvents } from "../../../devices/osdp/osdp-device-events.js";
import { osdpRig } from "./osdp-rig.js";

function sink() {
  const seen: { kind: string; e: object }[] = [];
  const s: DeviceEventSink = {
    badgeRead: (e) => seen.push({ kind: "badgeRead", e }),
    badgeBadRead: (e) => seen.push({ kind: "badgeBadRead", e }),
    keyPressed: (e) => seen.push({ kind: "keyPressed", e }),
    deviceFault: (e) => seen.push({ kind: "deviceFault", e }),
    deviceRecovered: (e) => seen.push({ kind: "deviceRecovered", e }),
  };
  return { seen, s };
}

describe("OSDP reader → device events", () => {
  it("turns a card into badgeRead 'facility:card', a bad parity into badgeBadRead, keys into keyPressed", async () => {
    const { seen, s } = sink();
    const rig = osdpRig({ reader: { events: osdpToDeviceEvents("H10304", s) } });
    await rig.clock.advance(200);
    rig.pd.presentCard(encodeCard("H10304", 4321, 300_000));
    const broken = encodeCard("H10304", 1, 1);
    broken[5] = broken[5] === 1 ? 0 : 1;
    rig.pd.presentCard(broken);
    rig.pd.presentCard(encodeCard("H10301", 1, 1)); // 26 bits on a 37-bit reader
    rig.pd.pressKeys("12#");
    await rig.clock.advance(300);
    expect(seen.map((x) => x.kind)).toEqual([
      "badgeRead",
      "badgeBadRead",
      "badgeBadRead",
      "keyPressed",
      "keyPressed",
      "keyPressed",
    ]);
    expect(seen[0]?.e).toMatchObject({ number: "4321:300000", format: "H10304" });
    expect(seen[1]?.e).toMatchObject({ detail: "bad_read: bad_parity (37 bits)" });
    expect(seen[2]?.e).toMatchObject({ detail: "bad_read: bad_length (26 bits)" });
    expect(seen.slice(3).map((x) => (x.e as { key: string }).key)).toEqual(["1", "2", "#"]);
  });

  it("reports faults and recovery as device health", async () => {
    const { seen, s } = sink();
    const rig = osdpRig({ reader: { events: osdpToDeviceEvents("raw", s) } });
    await rig.clock.advance(200);
    rig.pd.silent = true;
    await rig.clock.advance(2000);
    rig.pd.silent = false;
    await rig.clock.advance(10_000);
    expect(seen.map((x) => x.kind)).toEqual(["deviceFault", "deviceRecovered"]);
  });
});
