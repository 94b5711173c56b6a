/**
 * A duress grant next to a normal grant and the bare fsync'd INSERT, on the same file and run:
 * the grant row and its duress row commit in one transaction, so a duress PIN must open as fast
 * as the normal PIN (one fsync, not two): nothing at the door may tell them apart.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { systemClock } from "../devices/system-clock.js";
import { PolicyAdminService } from "../src/admin/policy-admin-service.js";
import { parseSettings } from "../src/config/load-settings.js";
import { startRelayTimedApp } from "./relay-timed-app.js";
import { isMain, percentile, round } from "./stats.js";

const RUNS = Number(process.env.BENCH_RUNS ?? 200);

export async function benchDuress(): Promise<Record<string, number>> {
  const dataDir = mkdtempSync(join(tmpdir(), "doorward-bench-"));
  const settings = parseSettings({ data_dir: dataDir, log_level: "silent" });
  const { app, relayAt, resetRelay } = await startRelayTimedApp(settings);
  const { bus, services } = app;
  // As the door unit stamps a keypad's events: this door, its keypad.
  const at = { door: app.settings.door_id, reader: "keypad" };
  const user = services.users.add("alice", Date.now());
  services.users.setCredential(user.id, "pin", services.hasher.hash("pin", "1234"), Date.now());
  new PolicyAdminService(
    services.db,
    services.users,
    services.hasher,
    services.audit,
    systemClock,
    "os:bench",
    {
      minLength: 4,
      maxLength: 8,
    },
  ).setDuressPin("alice", "9999");
  services.db.exec("CREATE TABLE IF NOT EXISTS bench_bare (a INTEGER, b TEXT, c TEXT, d TEXT)");
  const bare = services.db.prepare("INSERT INTO bench_bare VALUES (?, ?, ?, ?)");

  async function grant(pin: string): Promise<number> {
    for (const key of pin) bus.emit("keyPressed", { key: key as "1", atMs: Date.now(), ...at });
    await services.access.idle();
    resetRelay();
    const t0 = performance.now();
    bus.emit("keyPressed", { key: "#", atMs: Date.now(), ...at });
    await services.access.idle();
    if (relayAt() === 0) throw new Error(`PIN ${pin} did not reach the relay`);
    await services.door.lock();
    return relayAt() - t0;
  }

  const bareMs: number[] = [];
  const normalMs: number[] = [];
  const duressMs: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    // Interleaved so all three see the same disk and CPU conditions.
    const b0 = performance.now();
    bare.run(Date.now(), "access granted pin", "u-ABCDEF", "f".repeat(128));
    bareMs.push(performance.now() - b0);
    normalMs.push(await grant("1234"));
    duressMs.push(await grant("9999"));
  }
  await app.stop();
  rmSync(dataDir, { recursive: true, force: true });
  const normal = percentile(normalMs, 50);
  const duress = percentile(duressMs, 50);
  return {
    runs: RUNS,
    bare_insert_full_p50_ms: round(percentile(bareMs, 50)),
    "normal_grant_key#_to_relay_p50_ms": round(normal),
    "duress_grant_key#_to_relay_p50_ms": round(duress),
    duress_over_normal_p50_ms: round(duress - normal),
    normal_grant_p99_ms: round(percentile(normalMs, 99)),
    duress_grant_p99_ms: round(percentile(duressMs, 99)),
  };
}

if (isMain(import.meta.url)) {
  console.table(await benchDuress());
}
