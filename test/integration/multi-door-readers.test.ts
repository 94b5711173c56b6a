import { afterEach, describe, expect, it } from "vitest";
import type { ReaderDevices } from "../../simulator/sim-doors.js";
import { doorEntry, keypadReader } from "../helpers/doors.js";
import { type Harness, startHarness } from "../helpers/harness.js";

let h: Harness;
afterEach(async () => {
  await h?.app.stop();
});

const wiegand = (id: string, d0: number, direction: "in" | "out") => ({
  id,
  kind: "badge",
  direction,
  reader: "wiegand",
  wiegand: { d0_line: d0, d1_line: d0 + 1 },
});

function device<K extends keyof ReaderDevices>(readerId: string): ReaderDevices[K] {
  const reader = h.sim.doors.flatMap((d) => d.readers).find((r) => r.id === readerId);
  if (!reader) throw new Error(`no reader ${readerId}`);
  return reader.device as ReaderDevices[K];
}

describe("readers on their own buses, lines and ports", () => {
  it("three keypads on one bus and three Wiegand readers on their own lines each reach their own door", async () => {
    h = await startHarness({
      doors: [
        doorEntry("outer", 4, [
          keypadReader("outer-keypad", 0x34),
          keypadReader("outer-exit-keypad", 0x36, "out"),
          wiegand("outer-in", 20, "in"),
          wiegand("outer-out", 22, "out"),
        ]),
        doorEntry("cage", 10, [keypadReader("cage-keypad", 0x35), wiegand("cage-in", 24, "in")]),
      ],
    });
    const { users, hasher } = h.app.services;
    const alice = users.add("alice", h.clock.now());
    users.setCredential(alice.id, "badge", hasher.hash("badge", "4242"), h.clock.now());
    const released = () => h.sim.doors.map((d) => d.door.boltReleased);

    void device<"wiegand">("outer-out").present(4242, "W26");
    await h.clock.advance(200);
    await h.app.services.units[0]?.access.idle();
    expect(released()).toEqual([true, false]);
    expect(h.app.services.audit.last()).toMatchObject({
      door: "outer",
      credential: "badge",
      reason: "granted",
      detail: { reader: "outer-out" },
    });
    await h.clock.advance(6000);

    void device<"wiegand">("cage-in").present(4242, "W26");
    await h.clock.advance(200);
    await h.app.services.units[1]?.access.idle();
    expect(released()).toEqual([false, true]);
    expect(h.app.services.audit.last()).toMatchObject({ door: "cage", detail: { reader: "cage-in" } });
    await h.clock.advance(6000);

    // Two keypads of one door (in and out) each assemble their own PIN: keys never mix.
    h.addUserWithPin("bob", "1234");
    const type = async (reader: string, keys: string) => {
      const typing = h.sim.doors[0]?.typeKeys(keys, reader);
      await h.clock.advance(2 * 80 * keys.length + 100);
      await typing;
      await h.app.services.units[0]?.access.idle();
    };
    await type("outer-keypad", "12");
    await type("outer-exit-keypad", "34#");
    expect(released()).toEqual([false, false]);
    expect(h.app.services.audit.last()).toMatchObject({
      door: "outer",
      reason: "invalid_format",
      detail: { reader: "outer-exit-keypad" },
    });
    await type("outer-keypad", "34#");
    expect(released()).toEqual([true, false]);
    expect(h.app.services.audit.last()).toMatchObject({
      reason: "granted",
      detail: { reader: "outer-keypad" },
    });
  });
});
