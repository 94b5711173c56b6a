import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { runCli } from "../../src/admin/cli.js";
import { runDoctor } from "../../src/admin/commands/doctor-command.js";
import { parseSettings } from "../../src/config/load-settings.js";
import {
  checkClock,
  checkDatabase,
  checkGroups,
  type DoctorProbes,
  exitCodeFor,
  formatReport,
} from "../../src/doctor/checks.js";
import { healthyPiProbes as healthyPi } from "../helpers/doctor-probes.js";
import { tempDir } from "../helpers/harness.js";

const piSettings = (extra: Record<string, unknown> = {}) =>
  parseSettings({ hardware: { backend: "pi" }, data_dir: "/var/lib/doorward", ...extra });

async function run(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (c) => (out += c));
  stderr.on("data", (c) => (err += c));
  const code = await runCli(argv, { stdout, stderr, stdin: new PassThrough(), env });
  return { code, out, err };
}

describe("doorward doctor", () => {
  it("all pass on a healthy Pi: exit 0", async () => {
    const results = await runDoctor(piSettings(), healthyPi());
    expect(results.map((r) => [r.name, r.status])).toEqual([
      ["gpio (onoff)", "pass"],
      ["i2c bus 1 (i2c-bus)", "pass"],
      ["keypad tca8418 at 0x34", "pass"],
      ["groups gpio, i2c", "pass"],
      ["data_dir /var/lib/doorward writable", "pass"],
      ["database integrity", "pass"],
      ["free disk", "pass"],
      ["clock synchronised", "pass"],
    ]);
    expect(exitCodeFor(results)).toBe(0);
  });

  it("a keypad that NACKs fails with a fix; a probe that throws is a row, not an exception", async () => {
    const results = await runDoctor(
      piSettings(),
      healthyPi({
        i2cReadRegister: async () => {
          throw new Error("I2C bus 1, 0x34: Remote I/O error (no ACK: the device is absent or unpowered)");
        },
        gpioBase: async () => {
          throw new Error("sysfs exploded");
        },
      }),
    );
    const keypad = results.find((r) => r.name.startsWith("keypad"));
    expect(keypad).toMatchObject({ status: "fail", fix: expect.stringContaining("i2cdetect -y 1") });
    expect(results[0]).toMatchObject({ status: "fail", detail: "sysfs exploded" });
    expect(exitCodeFor(results)).toBe(1);
  });

  it("the fingerprint port is checked with VfyPwd when configured", async () => {
    const s = piSettings({ fingerprint: { enabled: true, port: "/dev/ttyAMA0", baud: 57600 } });
    const seen: string[] = [];
    const ok = await runDoctor(
      s,
      healthyPi({
        fingerprintVerifyPassword: async (port, baud) => {
          seen.push(`${port}@${baud}`);
          return 0;
        },
      }),
    );
    expect(seen).toEqual(["/dev/ttyAMA0@57600"]);
    expect(ok.find((r) => r.name.startsWith("fingerprint"))?.status).toBe("pass");
    expect(ok.find((r) => r.name.startsWith("groups"))?.name).toBe("groups gpio, i2c, dialout");
    const silent = await runDoctor(
      s,
      healthyPi({
        fingerprintVerifyPassword: async () => {
          throw new Error("no ack within 1000 ms");
        },
      }),
    );
    expect(silent.find((r) => r.name.startsWith("fingerprint"))).toMatchObject({
      status: "fail",
      fix: expect.stringMatching(/TX\/RX/),
    });
  });

  it("a port held by the running service is checked through the service, not given a wiring hint (F5)", async () => {
    const s = piSettings({ fingerprint: { enabled: true, port: "/dev/ttyAMA0", baud: 57600 } });
    const locked = async (): Promise<number> => {
      throw new Error("Error Resource temporarily unavailable Cannot lock port");
    };
    const asked: string[] = [];
    const fingerprintRow = async (over: Partial<DoctorProbes>) =>
      (await runDoctor(s, healthyPi({ fingerprintVerifyPassword: locked, ...over }))).find((r) =>
        r.name.startsWith("fingerprint"),
      );
    expect(
      await fingerprintRow({
        fingerprintThroughService: async (db) => {
          asked.push(db);
          return { answered: true, error: null, templates: 3, librarySize: 200 };
        },
      }),
    ).toMatchObject({
      status: "pass",
      detail: "held by the running doorward service, which reads the sensor: 3 templates, library size 200",
    });
    expect(asked).toEqual(["/var/lib/doorward/doorward.db"]);
    const failing = await fingerprintRow({
      fingerprintThroughService: async () => ({ answered: true, error: "fingerprint sensor is recovering" }),
    });
    expect(failing).toMatchObject({
      status: "fail",
      detail: "held by the running doorward service, which reports: fingerprint sensor is recovering",
    });
    expect(failing?.fix).not.toMatch(/TX\/RX/);
    expect(await fingerprintRow({})).toMatchObject({
      status: "fail",
      detail: expect.stringContaining("held by another program"),
      fix: expect.stringContaining("fuser -v /dev/ttyAMA0"),
    });
  });

  it("VfyPwd answered 0x01 is a packet error with a baud-rate hint, not a password one (F3)", async () => {
    const s = piSettings({ fingerprint: { enabled: true, port: "/dev/ttyAMA0", baud: 57600 } });
    const row = async (code: number) =>
      (await runDoctor(s, healthyPi({ fingerprintVerifyPassword: async () => code }))).find((r) =>
        r.name.startsWith("fingerprint"),
      );
    const packetError = await row(0x01);
    expect(packetError).toMatchObject({ status: "fail", detail: expect.stringContaining("0x01") });
    expect(packetError?.fix).not.toMatch(/password/);
    expect(packetError?.fix).toContain("baud rate (57600)");
    expect((await row(0x13))?.fix).toContain("non-default password");
    expect((await row(0x42))?.fix).not.toMatch(/password/);
  });

  it("groups, database, disk and clock each fail or warn with a fix", async () => {
    const p = healthyPi({
      user: async () => ({ name: "pi", groups: ["pi", "gpio"] }),
      databaseIntegrity: async () => "*** in database main ***\nPage 7 is never used",
      freeBytes: async () => 10 * 1024 * 1024,
      clockSynchronized: async () => false,
    });
    expect((await checkGroups(["gpio", "i2c"], p))[0]).toMatchObject({
      status: "fail",
      detail: "pi is not in i2c",
      fix: expect.stringContaining("usermod -a -G i2c pi"),
    });
    const db = await checkDatabase("/d", "/d/doorward.db", p);
    expect(db.map((r) => r.status)).toEqual(["pass", "fail", "fail"]);
    expect((await checkClock(p))[0]?.status).toBe("fail");
    expect((await checkClock(healthyPi({ clockSynchronized: async () => null })))[0]?.status).toBe("warn");
    expect(
      (await checkDatabase("/d", "/d/x.db", healthyPi({ freeBytes: async () => 300 * 1024 * 1024 })))[2]
        ?.status,
    ).toBe("warn");
    const table = formatReport(db);
    expect(table).toMatch(/^CHECK\s+RESULT\s+DETAIL/);
    expect(table).toContain("fix: stop the service and restore doorward.db");
  });

  it("on this machine (no Pi hardware): a readable table and a non-zero exit, never a stack trace", async () => {
    const dir = tempDir();
    const config = join(dir, "config.yaml");
    writeFileSync(
      config,
      `hardware:\n  backend: pi\n  i2c: i2c-bus\nkeypad:\n  i2c_bus: 19\ndata_dir: ${dir}/data\n`,
    );
    mkdirSync(join(dir, "data"));
    const { code, out, err } = await run(["doctor", "--config", config]);
    expect(code).toBe(1);
    expect(err).toBe("");
    expect(out).toMatch(/^CHECK\s+RESULT\s+DETAIL/);
    expect(out).toMatch(/gpio \(onoff\)\s+FAIL/);
    expect(out).toContain("/dev/i2c-19 does not exist");
    expect(out).toMatch(/data_dir .* writable\s+PASS/);
    expect(out).toMatch(/\d+ passed, \d+ warning\(s\), [1-9]\d* failed/);
    expect(out).not.toMatch(/\n\s+at .*\(.*:\d+:\d+\)/); // no stack frames
  }, 20_000);

  it("an invalid config is a failed row too (exit 1), not a crash", async () => {
    const dir = tempDir();
    const config = join(dir, "config.yaml");
    writeFileSync(config, "hardware:\n  gpio: arduino\n");
    const { code, out } = await run(["doctor", "--config", config]);
    expect(code).toBe(1);
    expect(out).toMatch(/config\s+FAIL\s+invalid configuration/);
    expect(out).toContain("hardware.gpio");
  });
});

describe("doorward doctor: OSDP readers", () => {
  it("a keyed reader passes, a reader without a key fails with the install command, secure: false warns", async () => {
    const { OsdpKeyStore } = await import("../../src/osdp/osdp-key-store.js");
    const { SecretKey } = await import("../../devices/osdp/secure-channel.js");
    const dir = tempDir();
    const key = Buffer.alloc(16, 7);
    new OsdpKeyStore(dir).set("a", new SecretKey(key));
    const osdp = (id: string, address: number, extra: Record<string, unknown> = {}) => ({
      id,
      kind: "osdp",
      port: "/dev/ttyUSB0",
      address,
      ...extra,
    });
    const settings = parseSettings({
      hardware: { backend: "pi" },
      data_dir: dir,
      doors: [
        {
          id: "outer",
          gpio: { relay: { line: 4 }, door_contact: { line: 5 }, rex: { line: 6 } },
          readers: [osdp("a", 0), osdp("b", 1), osdp("c", 2, { secure: false })],
        },
      ],
    });
    const rows = (await runDoctor(settings, healthyPi())).filter((r) => r.name.startsWith("osdp"));
    expect(rows.map((r) => [r.name, r.status])).toEqual([
      ["osdp a", "pass"],
      ["osdp b", "fail"],
      ["osdp c", "warn"],
    ]);
    expect(rows[1]?.fix).toContain("doorward osdp install b");
    expect(rows[2]?.detail).toContain("Secure Channel is off");
    expect(JSON.stringify(rows)).not.toContain(key.toString("hex"));
  });
});

// Keypads share one I2C bus and a controller has one fingerprint sensor (config rules), so the
// bus and the sensor are one row each and every keypad is a row of its own.
describe("doorward doctor: every keypad of every door", () => {
  const door = (id: string, line: number, readers: unknown[]) => ({
    id,
    gpio: { relay: { line }, door_contact: { line: line + 1 }, rex: { line: line + 2 } },
    readers,
  });
  const settings = () =>
    parseSettings({
      hardware: { backend: "pi" },
      data_dir: "/var/lib/doorward",
      doors: [
        door("outer", 4, [
          { id: "out-in", kind: "keypad", i2c_bus: 1, address: 0x34 },
          { id: "out-exit", kind: "keypad", direction: "out", i2c_bus: 1, address: 0x35 },
          { id: "out-finger", kind: "fingerprint", port: "/dev/ttyAMA0" },
        ]),
        door("inner", 12, [{ id: "in-pad", kind: "keypad", driver: "pcf8574", i2c_bus: 1, address: 0x20 }]),
      ],
    });

  it("a row per keypad, each asked at its own address, named by door and reader", async () => {
    const asked: string[] = [];
    const verified: string[] = [];
    const results = await runDoctor(
      settings(),
      healthyPi({
        i2cReadRegister: async (bus, addr) => {
          asked.push(`${bus}:0x${addr.toString(16)}`);
          if (addr === 0x35) throw new Error("Remote I/O error (no ACK)");
          return 0;
        },
        fingerprintVerifyPassword: async (port, baud) => {
          verified.push(`${port}@${baud}`);
          return 0;
        },
      }),
    );
    expect(asked).toEqual(["1:0x34", "1:0x35", "1:0x20"]);
    expect(verified).toEqual(["/dev/ttyAMA0@57600"]);
    const rows = results
      .filter((r) => /^(i2c|keypad|fingerprint)/.test(r.name))
      .map((r) => [r.name, r.status]);
    expect(rows).toEqual([
      ["i2c bus 1 (i2c-bus)", "pass"],
      ["keypad outer/out-in tca8418 at 0x34", "pass"],
      ["keypad outer/out-exit tca8418 at 0x35", "fail"],
      ["keypad inner/in-pad pcf8574 at 0x20", "pass"],
      ["fingerprint /dev/ttyAMA0 (serialport)", "pass"],
    ]);
    expect(results.find((r) => r.name.includes("out-exit"))?.fix).toContain(
      "i2cdetect -y 1 should show 0x35",
    );
    expect(exitCodeFor(results)).toBe(1);
  });
});
