import { randomBytes } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { SecretKey } from "../../../devices/osdp/secure-channel.js";
import { osdpPanelDevice } from "../../../simulator/panel/osdp-panel-device.js";
import type { VirtualOsdpPd } from "../../../simulator/virtual-osdp-pd.js";
import { normaliseBadgeNumber } from "../../../src/admin/credential-admin.js";
import { OsdpKeyStore } from "../../../src/osdp/osdp-key-store.js";
import { doorEntry } from "../../helpers/doors.js";
import { type Harness, startHarness, tempDir } from "../../helpers/harness.js";

let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
});

describe("an OSDP reader on the simulator panel", () => {
  it("presents a card in the reader's format and shows the LED the controller set: green on grant, then idle red", async () => {
    const dir = tempDir();
    new OsdpKeyStore(dir).set("outer-in", new SecretKey(randomBytes(16)));
    h = await startHarness({
      data_dir: dir,
      doors: [doorEntry("outer", 4, [{ id: "outer-in", kind: "osdp", port: "/dev/ttyUSB0", address: 5 }])],
    });
    await h.clock.advance(100);
    const pd = h.sim.doors[0]?.readers[0]?.device as VirtualOsdpPd;
    const device = osdpPanelDevice({ id: "outer-in", pd, format: "H10301", clock: h.clock });
    let changes = 0;
    device.onChange(() => changes++);
    expect(device.state()).toMatchObject({ led: "red", secure_channel: true, tamper: false });
    const { users, hasher } = h.app.services;
    const user = users.add("alice", h.clock.now());
    users.setCredential(
      user.id,
      "badge",
      hasher.hash("badge", normaliseBadgeNumber("123:45678")),
      h.clock.now(),
    );

    device.run("card:123:45678");
    await h.clock.advance(100);
    await h.app.services.units[0]?.access.idle();
    await h.clock.advance(300);
    expect(h.sim.doors[0]?.door.boltReleased).toBe(true);
    expect(device.state()).toMatchObject({ led: "green", buzzer_beeps: 1 });
    expect(changes).toBeGreaterThan(0);
    await h.clock.advance(3500);
    expect(device.state().led).toBe("red");

    device.run("tamper");
    await h.clock.advance(200);
    expect(h.app.services.audit.tail(5).some((r) => r.reason === "tamper")).toBe(true);
    expect(() => device.run("card:abc")).toThrow(/facility:card/);
  });
});
