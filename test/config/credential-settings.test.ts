import { describe, expect, it } from "vitest";
import { badgeReaderKind } from "../../src/config/badge-schema.js";
import { fingerprintEnabled } from "../../src/config/fingerprint-schema.js";
import { type ConfigError, parseSettings } from "../../src/config/load-settings.js";

describe("fingerprint, badge and access settings", () => {
  it("defaults: sensor on /dev/ttyAMA0 at 57600, mode any, 10 s window; auto resolves by backend", () => {
    const sim = parseSettings({}, "test");
    expect(sim.fingerprint).toMatchObject({
      enabled: "auto",
      port: "/dev/ttyAMA0",
      baud: 57600,
      password: 0,
      poll_ms: 200,
      command_timeout_ms: 1000,
    });
    expect(sim.access).toEqual({ mode: "any", second_factor_window_s: 10 });
    expect(fingerprintEnabled(sim)).toBe(true);
    expect(badgeReaderKind(sim)).toBe("wiegand");
    const pi = parseSettings({ hardware: { backend: "pi" } }, "test");
    expect(fingerprintEnabled(pi)).toBe(false);
    expect(badgeReaderKind(pi)).toBe("none");
    const explicit = parseSettings(
      { hardware: { backend: "pi" }, fingerprint: { enabled: true }, badge: { reader: "rdm6300" } },
      "test",
    );
    expect(fingerprintEnabled(explicit)).toBe(true);
    expect(badgeReaderKind(explicit)).toBe("rdm6300");
  });

  it("errors name the key and what was expected", () => {
    const problems = (raw: unknown) => {
      try {
        parseSettings(raw, "test");
        return [];
      } catch (err) {
        return (err as ConfigError).problems;
      }
    };
    expect(problems({ access: { mode: "pin_or_finger" } }).join()).toMatch(
      /access\.mode: expected one of "any"/,
    );
    expect(problems({ fingerprint: { baud: 12345 } }).join()).toMatch(/fingerprint\.baud/);
    expect(problems({ badge: { wiegand: { d0: 4 } } }).join()).toMatch(/badge\.wiegand: unknown key 'd0'/);
    expect(problems({ access: { second_factor_window_s: 0 } }).join()).toMatch(
      /access\.second_factor_window_s/,
    );
  });
});
