import { describe, expect, it } from "vitest";
import { decodeCard, encodeCard } from "../../devices/badge/card-formats.js";
import { decodeWiegand, encodeWiegand } from "../../devices/badge/wiegand-frame.js";
import { normaliseBadgeNumber } from "../../src/admin/credential-admin.js";
import { canonicalBadgeNumber } from "../../src/badge/badge-number.js";
import { doorsOf } from "../../src/config/doors.js";
import { parseSettings } from "../../src/config/load-settings.js";
import { configProblemsOf as problemsOf } from "../helpers/config-problems.js";
import { doorEntry } from "../helpers/doors.js";

const osdp = (id: string, address: number, extra: Record<string, unknown> = {}) => ({
  id,
  kind: "osdp",
  port: "/dev/ttyUSB0",
  address,
  ...extra,
});

describe("kind: osdp readers in doors:", () => {
  it("defaults: 115200 baud, Secure Channel on, H10301; two readers of two doors share one port", () => {
    const s = parseSettings({
      doors: [doorEntry("outer", 4, [osdp("outer-in", 0)]), doorEntry("cage", 7, [osdp("cage-in", 1)])],
    });
    expect(doorsOf(s).flatMap((d) => d.readers)).toEqual([
      {
        id: "outer-in",
        kind: "osdp",
        direction: "in",
        port: "/dev/ttyUSB0",
        address: 0,
        baud: 115200,
        secure: true,
        format: "h10301",
      },
      {
        id: "cage-in",
        kind: "osdp",
        direction: "in",
        port: "/dev/ttyUSB0",
        address: 1,
        baud: 115200,
        secure: true,
        format: "h10301",
      },
    ]);
  });

  it("one address twice on one port is refused; the same address on another port is fine", () => {
    expect(problemsOf({ doors: [doorEntry("outer", 4, [osdp("a", 3), osdp("b", 3)])] }).join("\n")).toMatch(
      /doors\.0\.readers\.1\.address.*OSDP address 3 on \/dev\/ttyUSB0 is already used by doors\.0\.readers\.0\.address/,
    );
    expect(() =>
      parseSettings({
        doors: [doorEntry("outer", 4, [osdp("a", 3), osdp("b", 3, { port: "/dev/ttyUSB1" })])],
      }),
    ).not.toThrow();
  });

  it("one bus has one speed; a port an OSDP bus uses cannot be another device's", () => {
    expect(
      problemsOf({ doors: [doorEntry("outer", 4, [osdp("a", 0), osdp("b", 1, { baud: 9600 })])] }).join("\n"),
    ).toMatch(/readers\.1\.baud.*runs at 115200 baud/);
    const clash = problemsOf({
      doors: [doorEntry("outer", 4, [osdp("a", 0), { id: "fp", kind: "fingerprint", port: "/dev/ttyUSB0" }])],
    });
    expect(clash.join("\n")).toMatch(/serial port \/dev\/ttyUSB0 is already used/);
  });

  it.each([
    [{ address: 127 }, /address/],
    [{ address: -1 }, /address/],
    [{ baud: 4800 }, /baud/],
    [{ format: "w26" }, /format/],
    [{ secure: "no" }, /secure/],
    [{ port: "" }, /port/],
  ])("a wrong value %j is a clear error", (extra, pattern) => {
    expect(problemsOf({ doors: [doorEntry("outer", 4, [osdp("a", 0, extra)])] }).join("\n")).toMatch(pattern);
  });
});

describe("one badge number for Wiegand and OSDP", () => {
  it("facility:card and the Wiegand decimal of the same card normalise to one key", () => {
    const w26 = decodeWiegand(encodeWiegand({ facility: 123, card: 45678 }, "W26"));
    const osdpRead = decodeCard("H10301", encodeCard("H10301", 123, 45678));
    expect(w26.ok && osdpRead.ok).toBe(true);
    if (!w26.ok || !osdpRead.ok) return;
    expect(canonicalBadgeNumber(osdpRead.normalized)).toBe(canonicalBadgeNumber(w26.number));
    expect(normaliseBadgeNumber("123:45678")).toBe(w26.number);
    const w34 = decodeWiegand(encodeWiegand({ facility: 4000, card: 65535 }, "W34"));
    const h10306 = decodeCard("H10306", encodeCard("H10306", 4000, 65535));
    if (!w34.ok || !h10306.ok) throw new Error("decode");
    expect(canonicalBadgeNumber(h10306.normalized)).toBe(w34.number);
  });

  it("a card number above 16 bits keeps facility:card, so two cards never share a key", () => {
    expect(normaliseBadgeNumber("1:65536")).toBe("1:65536");
    expect(normaliseBadgeNumber("2:0")).toBe(String(2 * 65536));
    expect(normaliseBadgeNumber("0007")).toBe("7");
    expect(normaliseBadgeNumber("raw:12:ABC0")).toBe("raw:12:abc0");
  });

  it.each(["", "12a", "1:2:3", "raw:12:abc", "-1:5", "4294967296:1", "1234567890123"])(
    "%j is refused with a usage message",
    (bad) => {
      expect(() => normaliseBadgeNumber(bad)).toThrow(/FACILITY:CARD/);
    },
  );
});
