import { spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { watchdogIntervalMs } from "../../devices/systemd-notify.js";

const UNIT_PATH = "hardware/doorward.service";
const INSTALL_SH = "hardware/install.sh";
const unitText = readFileSync(UNIT_PATH, "utf8");

function onPath(command: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${command}`]).status === 0;
}

/** [Service] key=value pairs; repeated keys keep every value. */
function serviceKeys(text: string): Map<string, string[]> {
  const keys = new Map<string, string[]>();
  let section = "";
  for (const raw of text.split("\n")) {
    const line = raw.trim();
    if (!line || line.startsWith("#")) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header) {
      section = header[1] ?? "";
      continue;
    }
    const eq = line.indexOf("=");
    if (section !== "Service" || eq < 0) continue;
    const key = line.slice(0, eq);
    keys.set(key, [...(keys.get(key) ?? []), line.slice(eq + 1)]);
  }
  return keys;
}

/** Environment= lines as systemd reads them (`NAME=value` or `"NAME=value with spaces"`). */
function serviceEnvironment(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of serviceKeys(unitText).get("Environment") ?? []) {
    const assignment = raw.replace(/^"(.*)"$/, "$1");
    const eq = assignment.indexOf("=");
    env[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  return env;
}

/**
 * Runs systemd-analyze verify on a copy named doorward.service. Where /usr/bin/node is absent (a dev
 * machine with node elsewhere), the copy points ExecStart at this node: verify checks the binary.
 */
function verify(text: string): { status: number | null; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), "doorward-unit-"));
  const copy = existsSync("/usr/bin/node") ? text : text.replaceAll("/usr/bin/node", process.execPath);
  writeFileSync(join(dir, "doorward.service"), copy);
  const run = spawnSync("systemd-analyze", ["verify", join(dir, "doorward.service")], { encoding: "utf8" });
  rmSync(dir, { recursive: true, force: true });
  return { status: run.status, stderr: run.stderr.trim() };
}

describe("hardware/doorward.service", () => {
  const hasAnalyze = onPath("systemd-analyze");
  if (!hasAnalyze) console.warn("systemd-analyze not found: skipping the unit verification");

  it.skipIf(!hasAnalyze)("passes systemd-analyze verify without a single warning", () => {
    expect(verify(unitText)).toEqual({ status: 0, stderr: "" });
  });

  it.skipIf(!hasAnalyze)("would catch a mistyped directive (the check above can fail)", () => {
    const broken = verify(unitText.replace("WatchdogSec=10", "WatchdogSecs=10"));
    expect(broken.stderr).toMatch(/Unknown key 'WatchdogSecs'/);
  });

  it("has the settings the app and the door rely on", () => {
    const keys = serviceKeys(unitText);
    const one = (key: string) => keys.get(key)?.join(" | ");
    expect(one("Type")).toBe("notify");
    expect(one("NotifyAccess")).toBe("all"); // systemd-notify is a child process
    expect(one("Restart")).toBe("always");
    expect(one("WatchdogSec")).toBe("10");
    expect(one("User")).toBe("doorward");
    expect(one("SupplementaryGroups")).toBe("gpio i2c dialout");
    expect(one("ProtectSystem")).toBe("strict");
    expect(one("ReadWritePaths")).toBe("/var/lib/doorward");
    expect(one("NoNewPrivileges")).toBe("yes");
    expect(one("PrivateTmp")).toBe("yes");
    expect(one("ProtectHome")).toBe("yes");
    expect(one("DevicePolicy")).toBe("closed");
    expect(keys.get("DeviceAllow")).toEqual(
      expect.arrayContaining(["char-i2c rw", "char-ttyAMA rw", "char-ttyUSB rw"]),
    );
    // These would break the app: /sys must stay writable for GPIO export, V8 needs W+X pages,
    // and PrivateDevices hides the buses.
    expect(keys.has("ProtectKernelTunables")).toBe(false);
    expect(keys.has("MemoryDenyWriteExecute")).toBe(false);
    expect(keys.has("PrivateDevices")).toBe(false);
    expect(unitText).toMatch(/^StartLimitIntervalSec=0$/m);
  });

  it("keeps resident memory down: small V8 young generation, old-space ceiling, one malloc arena (issue 15)", () => {
    const env = serviceEnvironment();
    expect(env.NODE_ENV).toBe("production");
    expect(env.NODE_OPTIONS?.split(" ")).toEqual(["--max-semi-space-size=1", "--max-old-space-size=256"]);
    expect(env.MALLOC_ARENA_MAX).toBe("1");
    expect(env.MALLOC_TRIM_THRESHOLD_).toBe("131072");
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe("131072");
  });

  it("gives node only flags it accepts there: one NODE_OPTIONS refuses would stop the service starting", () => {
    const exec = serviceKeys(unitText).get("ExecStart")?.[0] ?? "";
    const flags = (/^\S*node((?:\s+--\S+)*)\s/.exec(exec)?.[1] ?? "").trim().split(/\s+/).filter(Boolean);
    const run = spawnSync(process.execPath, [...flags, "-e", "0"], {
      env: { ...process.env, ...serviceEnvironment() },
      encoding: "utf8",
    });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("gives the app a 5 s ping interval from WatchdogSec=10", () => {
    expect(watchdogIntervalMs({ WATCHDOG_USEC: String(10 * 1_000_000) })).toBe(5_000);
  });
});

describe("hardware/install.sh", () => {
  const script = readFileSync(INSTALL_SH, "utf8");

  it("is valid bash (bash -n)", () => {
    const run = spawnSync("bash", ["-n", INSTALL_SH], { encoding: "utf8" });
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
  });

  it("is strict and refuses to run without root before touching anything", () => {
    expect(script).toMatch(/^set -euo pipefail$/m);
    // A fake `id` says uid 1000: the script must stop at the root check.
    const bin = mkdtempSync(join(tmpdir(), "doorward-fake-id-"));
    writeFileSync(join(bin, "id"), "#!/bin/sh\necho 1000\n");
    chmodSync(join(bin, "id"), 0o755);
    const run = spawnSync("bash", [INSTALL_SH], {
      encoding: "utf8",
      env: { PATH: `${bin}:/usr/bin:/bin` },
    });
    rmSync(bin, { recursive: true, force: true });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/must be run as root/);
    expect(run.stdout).toBe("");
  });

  it("rejects unknown options", () => {
    const run = spawnSync("bash", [INSTALL_SH, "--yolo"], { encoding: "utf8" });
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/unknown option: --yolo/);
  });

  it.skipIf(!onPath("shellcheck"))("passes shellcheck", () => {
    const run = spawnSync("shellcheck", [INSTALL_SH], { encoding: "utf8" });
    expect(run.stdout).toBe("");
    expect(run.status).toBe(0);
  });

  it("never overwrites an existing config and enables the service", () => {
    expect(script).toMatch(/if \[\[ ! -f "\$CONF_DIR\/config\.yaml" \]\]/);
    expect(script).toMatch(/npm ci --no-audit --no-fund && npm run build && npm prune --omit=dev/);
    expect(script).toMatch(/systemctl enable doorward\.service/);
    expect(script).toMatch(/RuntimeWatchdogSec=14s/);
  });
});
