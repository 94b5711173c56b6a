import { describe, expect, it } from "vitest";
import { FakeClock } from "../../../simulator/fake-clock.js";
import { badgePanelDevice } from "../../../simulator/panel/badge-panel-device.js";
import { fingerprintPanelDevice } from "../../../simulator/panel/fingerprint-panel-device.js";
import { VirtualR503 } from "../../../simulator/virtual-r503.js";
import { r503Rig } from "../../devices/fingerprint/r503-rig.js";

describe("panel devices: fingers and badges", () => {
  it("offers enrolled fingers plus new, unknown and lift, and places them on the sensor", () => {
    const sensor = new VirtualR503({ clock: new FakeClock() });
    sensor.preload(1, "finger-1");
    const enrolled = [{ slot: 1, label: "alice" }];
    const device = fingerprintPanelDevice(sensor, {
      enrolled: () => enrolled,
      watchEnrolled: () => () => {},
    });
    let changes = 0;
    device.onChange(() => changes++);
    expect(device.actions().map((a) => a.id)).toEqual(["place:1", "place:new", "place:unknown", "lift"]);
    device.run("place:1");
    expect(device.state()).toMatchObject({ finger: "alice's finger" });
    device.run("place:new");
    device.run("lift");
    device.run("place:new");
    // The same new finger twice (an enrolment captures it twice); once stored, the next is another.
    sensor.preload(0, "new-finger-1");
    device.run("place:new");
    expect(device.state()).toMatchObject({ finger: "a new finger" });
    expect(() => device.run("place:7")).toThrow(/unknown fingerprint action/);
    expect(changes).toBe(5);
  });

  it("shows what the sensor reported to the controller's last capture, so a lift can be awaited", async () => {
    const rig = r503Rig();
    const device = fingerprintPanelDevice(rig.sensor, { enrolled: () => [], watchEnrolled: () => () => {} });
    expect(device.state()).toMatchObject({ sensor_sees: "nothing yet" });
    await rig.driver.start();
    await rig.clock.advance(250);
    expect(device.state()).toMatchObject({ sensor_sees: "no finger" });
    device.run("place:unknown");
    await rig.clock.advance(250);
    expect(device.state()).toMatchObject({ sensor_sees: "a finger" });
    device.run("lift");
    expect(device.state()).toMatchObject({ sensor_sees: "a finger" }); // not polled yet
    await rig.clock.advance(250);
    expect(device.state()).toMatchObject({ sensor_sees: "no finger" });
    await rig.driver.stop();
  });

  it("taps demo badges and typed numbers; refuses garbage", () => {
    const tapped: number[] = [];
    expect(badgePanelDevice(() => {}, []).state()).toEqual({ last_tapped: "none" });
    const device = badgePanelDevice((n) => tapped.push(n), [{ number: "12345678", label: "alice" }]);
    expect(device.actions()).toEqual([
      { id: "tap:12345678", label: "Tap alice's badge" },
      { id: "tap", label: "Tap badge", input: "Badge number" },
    ]);
    device.run("tap:12345678");
    device.run("tap:42");
    for (const bad of ["tap:", "tap:abc", "tap:99999999999", "tap:4294967296"])
      expect(() => device.run(bad)).toThrow(/badge number/);
    expect(tapped).toEqual([12345678, 42]);
    expect(device.state()).toEqual({ last_tapped: "42" });
  });
});
