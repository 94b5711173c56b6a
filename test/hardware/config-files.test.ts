import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { loadSettingsFile } from "../../src/config/load-settings.js";

interface ExampleLine {
  line: number;
  active_low: boolean;
  debounce_ms?: number;
}
/** The shape the example must have (the real schema lives in src/config/). */
interface ExampleConfig {
  door: { unlock_ms: number; max_unlock_ms: number };
  keypad: { interrupt_gpio: number };
  gpio: {
    relay: ExampleLine;
    door_contact: ExampleLine;
    rex: ExampleLine;
    led_green: ExampleLine;
    led_red: ExampleLine;
    buzzer: ExampleLine;
  };
  lockout: { base_s: number; max_s: number };
  pin: { min_length: number; max_length: number };
}

const example = parse(readFileSync("hardware/config.example.yaml", "utf8")) as ExampleConfig;
const snippet = readFileSync("hardware/config.txt.snippet", "utf8");
const rules = readFileSync("hardware/99-doorward.rules", "utf8");
const wiring = readFileSync("hardware/WIRING.md", "utf8");

/** `gpio=N=...` lines of config.txt.snippet, by BCM number. */
function bootPinStates(): Map<number, string> {
  const states = new Map<number, string>();
  for (const m of snippet.matchAll(/^gpio=(\d+)=([a-z,]+)$/gm)) states.set(Number(m[1]), m[2] ?? "");
  return states;
}

describe("hardware/config.example.yaml", () => {
  it("is accepted by the real config schema (install.sh copies it into place)", () => {
    const settings = loadSettingsFile("hardware/config.example.yaml");
    expect(settings.hardware.backend).toBe("pi");
    expect(settings.gpio.led_green.line).toBe(24);
    expect(settings.fingerprint.enabled).toBe(true);
  });

  it("has every key the schema is being written against", () => {
    expect(example).toMatchObject({
      door_id: expect.any(String),
      data_dir: "/var/lib/doorward",
      hardware: { backend: expect.stringMatching(/^(simulated|pi)$/) },
      door: {
        unlock_ms: expect.any(Number),
        max_unlock_ms: expect.any(Number),
        held_open_s: expect.any(Number),
      },
      keypad: {
        driver: expect.stringMatching(/^(tca8418|pcf8574)$/),
        i2c_bus: 1,
        address: 0x34,
        interrupt_gpio: expect.any(Number),
      },
      gpio: {
        relay: { line: expect.any(Number), active_low: expect.any(Boolean) },
        door_contact: {
          line: expect.any(Number),
          active_low: expect.any(Boolean),
          debounce_ms: expect.any(Number),
        },
        rex: { line: expect.any(Number), active_low: expect.any(Boolean), debounce_ms: expect.any(Number) },
        led_green: { line: expect.any(Number) },
        led_red: { line: expect.any(Number) },
        buzzer: { line: expect.any(Number) },
      },
      fingerprint: { port: expect.any(String), baud: 57600 },
      lockout: { max_failures: expect.any(Number), base_s: expect.any(Number), max_s: expect.any(Number) },
      pin: {
        min_length: expect.any(Number),
        max_length: expect.any(Number),
        inter_key_timeout_ms: expect.any(Number),
      },
    });
    expect(example.door.unlock_ms).toBeLessThanOrEqual(example.door.max_unlock_ms);
    expect(example.pin.min_length).toBeLessThanOrEqual(example.pin.max_length);
    expect(example.lockout.base_s).toBeLessThanOrEqual(example.lockout.max_s);
  });

  it("uses each BCM line once, avoiding the I2C and UART pins", () => {
    const g = example.gpio;
    const lines = [
      g.relay.line,
      g.door_contact.line,
      g.rex.line,
      g.led_green.line,
      g.led_red.line,
      g.buzzer.line,
      example.keypad.interrupt_gpio,
    ];
    expect(new Set(lines).size).toBe(lines.length);
    for (const reserved of [2, 3, 14, 15]) expect(lines).not.toContain(reserved);
  });

  it("agrees with the boot pin states: outputs held low, switch inputs pulled up", () => {
    const states = bootPinStates();
    const g = example.gpio;
    for (const out of [g.relay.line, g.led_green.line, g.led_red.line, g.buzzer.line])
      expect(states.get(out)).toBe("op,dl");
    for (const input of [g.door_contact.line, g.rex.line, example.keypad.interrupt_gpio]) {
      expect(states.get(input)).toBe("ip,pu");
    }
    // The relay is active high so that "low from boot" and "undriven with pull-down" both mean locked.
    expect(g.relay.active_low).toBe(false);
  });

  it("matches the pin table in WIRING.md", () => {
    const g = example.gpio;
    for (const [name, line] of [
      ["Relay", g.relay.line],
      ["Door contact", g.door_contact.line],
      ["Exit button", g.rex.line],
      ["Keypad INT", example.keypad.interrupt_gpio],
    ] as const) {
      expect(wiring).toMatch(new RegExp(`\\| ${name}[^|]*\\| GPIO${line} `));
    }
  });
});

describe("hardware/config.txt.snippet", () => {
  it("turns on I2C1, the UART, the watchdog and frees UART0 from Bluetooth", () => {
    expect(snippet).toMatch(/^dtparam=i2c_arm=on$/m);
    expect(snippet).toMatch(/^enable_uart=1$/m);
    expect(snippet).toMatch(/^dtoverlay=disable-bt$/m);
    expect(snippet).toMatch(/^dtparam=watchdog=on$/m);
    expect(snippet).toMatch(/^dtparam=uart0=on$/m);
  });
});

describe("hardware/99-doorward.rules", () => {
  const ruleLines = rules.split("\n").filter((l) => l.trim() && !l.startsWith("#"));

  it('is made of well-formed KEY=="v" / KEY="v" / KEY+="v" terms', () => {
    const term = /^[A-Z_]+(\{[A-Za-z_]+\})?(==|!=|\+=|=)"[^"]*"$/;
    for (const line of ruleLines) {
      for (const part of line.split(", ")) expect(part).toMatch(term);
    }
  });

  it("names CP2102 and CH340 adapters /dev/doorward-fingerprint and owns ttyAMA0", () => {
    expect(rules).toMatch(
      /ATTRS\{idVendor\}=="10c4", ATTRS\{idProduct\}=="ea60", SYMLINK\+="doorward-fingerprint"/,
    );
    expect(rules).toMatch(
      /ATTRS\{idVendor\}=="1a86", ATTRS\{idProduct\}=="7523", SYMLINK\+="doorward-fingerprint"/,
    );
    expect(rules).toMatch(/KERNEL=="ttyAMA0", GROUP="dialout", MODE="0660"/);
  });
});
