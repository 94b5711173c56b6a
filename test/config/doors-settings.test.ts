import { describe, expect, it } from "vitest";
import { doorsOf, resolveDoorId } from "../../src/config/doors.js";
import { loadSettingsFile, parseSettings } from "../../src/config/load-settings.js";
import { configProblemsOf as problemsOf } from "../helpers/config-problems.js";
import { doorEntry as door, keypadReader } from "../helpers/doors.js";

const keypad = (id: string, address: number) => keypadReader(id, address);

describe("doors: configuration", () => {
  it("today's single-door file is one door named door_id with its keypad, fingerprint and badge as readers", () => {
    const s = parseSettings({ door_id: "archive", gpio: { relay: { line: 12 } } });
    const doors = doorsOf(s);
    expect(doors).toHaveLength(1);
    expect(doors[0]).toMatchObject({
      id: "archive",
      gpio: { relay: { line: 12 } },
      anti_passback: "off",
      forgive_at: null,
    });
    // Simulated hardware: "auto" means a sensor and a Wiegand reader are wired.
    expect(doors[0]?.readers.map((r) => [r.id, r.kind, r.direction])).toEqual([
      ["keypad", "keypad", "in"],
      ["fingerprint", "fingerprint", "in"],
      ["badge", "badge", "in"],
    ]);
    // On real hardware "auto" means not fitted; resolved at use, so --simulate can change it.
    const pi = parseSettings({ hardware: { backend: "pi" } });
    expect(doorsOf(pi)[0]?.readers.map((r) => r.id)).toEqual(["keypad"]);
    expect(resolveDoorId(s, undefined)).toEqual({ door: "archive" });
  });

  it.each([1, 2, 4])("a list of %i doors parses, each with its own lines and readers", (n) => {
    const doors = Array.from({ length: n }, (_, i) =>
      door(`door${i}`, 4 + i * 3, [keypad(`door${i}-keypad`, 0x34 + i)]),
    );
    const s = parseSettings({ doors });
    expect(doorsOf(s).map((d) => d.id)).toEqual(doors.map((d) => d.id));
    expect(doorsOf(s)[n - 1]).toMatchObject({
      gpio: { relay: { line: 4 + (n - 1) * 3 }, led_green: null },
      readers: [
        {
          id: `door${n - 1}-keypad`,
          kind: "keypad",
          direction: "in",
          address: 0x34 + n - 1,
          driver: "tca8418",
        },
      ],
    });
    // The single-door view follows the first door.
    expect(s.door_id).toBe("door0");
    expect(resolveDoorId(s, undefined)).toEqual(
      n === 1 ? { door: "door0" } : { error: expect.stringContaining(doors.map((d) => d.id).join(", ")) },
    );
  });

  it("more than four doors, or none, is refused", () => {
    const five = Array.from({ length: 5 }, (_, i) => door(`d${i}`, i * 3));
    expect(problemsOf({ doors: five })).toEqual(["doors: expected a value <= 4"]);
    expect(problemsOf({ doors: [] })[0]).toMatch(/^doors: /);
  });

  it("single-door keys beside a doors: list are named", () => {
    expect(problemsOf({ doors: [door("a", 4)], door_id: "x", gpio: {} })).toEqual([
      "door_id: not allowed with doors: (each door has its own id)",
      "gpio: not allowed with doors: (each door has its own gpio)",
    ]);
  });

  it("names the key of every conflict", () => {
    // Two doors on one GPIO line.
    expect(problemsOf({ doors: [door("a", 4), door("b", 6)] })).toEqual([
      "doors.1.gpio.relay.line: GPIO line 6 is already used by doors.0.gpio.rex.line",
    ]);
    // Duplicate ids; ids that are one MQTT topic / HA entity.
    expect(problemsOf({ doors: [door("a", 4), door("a", 10)] })).toEqual([
      "doors.1.id: id 'a' is already used by doors.0.id",
    ]);
    expect(problemsOf({ doors: [door("cage-1", 4), door("cage_1", 10)] })).toEqual([
      "doors.1.id: id (as an MQTT topic / Home Assistant node id) 'cage_1' is already used by doors.0.id",
    ]);
    // Two keypads at one I2C address on one bus.
    expect(
      problemsOf({ doors: [door("a", 4, [keypad("k1", 0x34)]), door("b", 10, [keypad("k2", 0x34)])] }),
    ).toEqual([
      "doors.1.readers.0.address: I2C address 0x34 on bus 1 is already used by doors.0.readers.0.address",
    ]);
    // Two readers on one serial port; a Wiegand reader on a relay's line; a reader named like a door.
    const rdm = (id: string) => ({ id, kind: "badge", reader: "rdm6300", rdm6300: { port: "/dev/ttyUSB0" } });
    expect(problemsOf({ doors: [door("a", 4, [rdm("r1")]), door("b", 10, [rdm("r2")])] })).toEqual([
      "doors.1.readers.0.rdm6300.port: serial port /dev/ttyUSB0 is already used by doors.0.readers.0.rdm6300.port",
    ]);
    const wiegand = { id: "w", kind: "badge", wiegand: { d0_line: 20, d1_line: 4 } };
    expect(problemsOf({ doors: [door("a", 4, [wiegand])] })).toEqual([
      "doors.0.readers.0.wiegand.d1_line: GPIO line 4 is already used by doors.0.gpio.relay.line",
    ]);
    expect(problemsOf({ doors: [door("a", 4), door("b", 10, [keypad("a", 0x35)])] })).toEqual([
      "doors.1.readers.0.id: id 'a' is already used by doors.0.id",
    ]);
  });

  it("hardware/two-doors.example.yaml: an outer door with in and out readers, a cage with one keypad, interlocked", () => {
    const s = loadSettingsFile("hardware/two-doors.example.yaml");
    expect(doorsOf(s).map((d) => [d.id, d.readers.map((r) => `${r.kind}:${r.direction}`)])).toEqual([
      ["outer", ["keypad:in", "fingerprint:in", "badge:out"]],
      ["cage", ["keypad:in"]],
    ]);
    expect(s.interlocks).toEqual([["outer", "cage"]]);
    expect(s.interlock.rex_respects).toBe(false);
  });

  it("a listed door whose MQTT topics would be the fleet's is named", () => {
    expect(problemsOf({ doors: [door("a", 4), door("fleet", 10)] })).toEqual([
      "doors.1.id: the door's MQTT topics (doorward/fleet) must not overlap mqtt.fleet_prefix (doorward/fleet)",
    ]);
  });

  it("interlocks name known doors", () => {
    const doors = [door("outer", 4), door("inner", 10)];
    expect(parseSettings({ doors, interlocks: [["outer", "inner"]] }).interlocks).toEqual([
      ["outer", "inner"],
    ]);
    expect(parseSettings({ doors }).interlock).toEqual({ rex_respects: false });
    expect(problemsOf({ doors, interlocks: [["outer", "vault"]] })).toEqual([
      "interlocks.0.1: no such door 'vault' (doors: outer, inner)",
    ]);
    expect(problemsOf({ doors, interlocks: [["outer", "outer"]] })).toEqual([
      "interlocks.0: names a door twice",
    ]);
    expect(problemsOf({ interlocks: [["records-room", "other"]] })).toEqual([
      "interlocks.0.1: no such door 'other' (doors: records-room)",
    ]);
  });

  it("anti_passback and forgive_at are carried per door, off and null by default", () => {
    const s = parseSettings({
      doors: [{ ...door("a", 4), anti_passback: "hard", forgive_at: "03:00" }, door("b", 10)],
    });
    expect(doorsOf(s).map((d) => [d.anti_passback, d.forgive_at])).toEqual([
      ["hard", "03:00"],
      ["off", null],
    ]);
    expect(problemsOf({ doors: [{ ...door("a", 4), forgive_at: "25:00" }] })).toEqual([
      "doors.0.forgive_at: a local time HH:MM",
    ]);
  });
});
