/**
 * Several doors on one controller: each door's final key → relay when two doors grant at the
 * same moment, next to the single-door figure and the bare fsync'd insert of the same run (one
 * door's decision must not wait for another door's I/O beyond one insert: the two attempts share
 * one SQLite writer). Then start-up and resident memory with 4 doors vs 1 in a fresh process of
 * the production build, after start and after BENCH_DOOR_ATTEMPTS attempts spread over the doors.
 */
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import type { KeypadKey } from "../devices/types.js";
import type { App } from "../src/app.js";
import { parseSettings } from "../src/config/load-settings.js";
import { benchDoorsConfig } from "./doors-config.js";
import { startRelayTimedDoors } from "./relay-timed-app.js";
import { seedLargeSite } from "./seed-large-site.js";
import { isMain, percentile, round } from "./stats.js";

const USERS = Number(process.env.BENCH_USERS ?? 10_000);
const AUDIT_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 100_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const ATTEMPTS = Number(process.env.BENCH_DOOR_ATTEMPTS ?? 10_000);

interface Rig {
  app: App;
  /** performance.now() when each door's relay was last driven released, by door index. */
  relayAt: number[];
  doorIds: string[];
}

async function rig(dataDir: string, doors: number): Promise<Rig> {
  const settings = parseSettings({
    data_dir: dataDir,
    log_level: "silent",
    ...(doors > 1 ? { doors: benchDoorsConfig(doors) } : {}),
  });
  return startRelayTimedDoors(settings);
}

/** The digits of a PIN at one door's first keypad, as its driver would emit them. */
function typeDigits(r: Rig, door: number, pin: string): void {
  const unit = r.app.services.units[door];
  const reader = unit?.settings.readers.find((x) => x.kind === "keypad")?.id ?? "keypad";
  for (const key of pin)
    r.app.bus.emit("keyPressed", { key: key as KeypadKey, atMs: Date.now(), door: unit?.id ?? "", reader });
}

function submit(r: Rig, door: number): void {
  const unit = r.app.services.units[door];
  const reader = unit?.settings.readers.find((x) => x.kind === "keypad")?.id ?? "keypad";
  r.app.bus.emit("keyPressed", { key: "#", atMs: Date.now(), door: unit?.id ?? "", reader });
}

const randomPin = () => String(10_000_000 + Math.floor(Math.random() * USERS));

async function idle(r: Rig): Promise<void> {
  for (const unit of r.app.services.units) await unit.access.idle();
}

async function lockAll(r: Rig): Promise<void> {
  for (const unit of r.app.services.units) await unit.door.lock();
}

export async function benchMultiDoor(): Promise<Record<string, number | string>> {
  const dataDir = mkdtempSync(join(tmpdir(), "doorward-bench-doors-"));
  seedLargeSite(dataDir, USERS, AUDIT_ROWS);
  const bareMs: number[] = [];
  const singleMs: number[] = [];
  const pairMs: number[][] = [[], []];

  const one = await rig(dataDir, 1);
  const bareDb = one.app.services.db;
  bareDb.exec("CREATE TABLE IF NOT EXISTS bench_bare (a INTEGER, b TEXT, c TEXT, d TEXT)");
  const bare = bareDb.prepare("INSERT INTO bench_bare VALUES (?, ?, ?, ?)");
  for (let i = 0; i < RUNS; i++) {
    const b0 = performance.now();
    bare.run(Date.now(), "access granted pin", "u-ABCDEF", "f".repeat(128));
    bareMs.push(performance.now() - b0);
    typeDigits(one, 0, randomPin());
    await idle(one);
    one.relayAt[0] = 0;
    const t0 = performance.now();
    submit(one, 0);
    await idle(one);
    singleMs.push((one.relayAt[0] as number) - t0);
    await lockAll(one);
  }
  await one.app.stop();

  const two = await rig(dataDir, 2);
  for (let i = 0; i < RUNS; i++) {
    typeDigits(two, 0, randomPin());
    typeDigits(two, 1, randomPin());
    await idle(two);
    two.relayAt.fill(0);
    // Both final keys in the same tick: the two decisions contend for the one database writer.
    const t0 = performance.now();
    submit(two, 0);
    submit(two, 1);
    await idle(two);
    for (const d of [0, 1]) pairMs[d]?.push((two.relayAt[d] as number) - t0);
    await lockAll(two);
  }
  await two.app.stop();
  rmSync(dataDir, { recursive: true, force: true });

  const p = (xs: number[], q: number) => round(percentile(xs, q));
  return {
    users: USERS,
    audit_rows: AUDIT_ROWS,
    runs: RUNS,
    "single_door_key#_to_relay_p50_ms": p(singleMs, 50),
    "single_door_key#_to_relay_p99_ms": p(singleMs, 99),
    "two_doors_door0_key#_to_relay_p50_ms": p(pairMs[0] ?? [], 50),
    "two_doors_door0_key#_to_relay_p99_ms": p(pairMs[0] ?? [], 99),
    "two_doors_door1_key#_to_relay_p50_ms": p(pairMs[1] ?? [], 50),
    "two_doors_door1_key#_to_relay_p99_ms": p(pairMs[1] ?? [], 99),
    bare_insert_full_p50_ms: p(bareMs, 50),
    bare_insert_full_p99_ms: p(bareMs, 99),
    ...startupAndMemory(),
  };
}

/** Fresh processes of the production build (dist/), one door and four. */
function startupAndMemory(): Record<string, number | string> {
  const child = join(import.meta.dirname, "..", "dist", "bench", "doors-startup-child.js");
  if (!existsSync(child)) return { startup: "no build (npm run build)" };
  const run = (doors: number) => {
    const dataDir = mkdtempSync(join(tmpdir(), "doorward-bench-start-"));
    seedLargeSite(dataDir, USERS, 0);
    const out = spawnSync(process.execPath, [child, dataDir, String(doors), String(ATTEMPTS)], {
      encoding: "utf8",
    });
    rmSync(dataDir, { recursive: true, force: true });
    if (out.status !== 0) throw new Error(`startup child failed: ${out.stderr}`);
    return JSON.parse(out.stdout.trim().split("\n").pop() as string) as {
      readyMs: number;
      rssMb: number;
      rssAfterAttemptsMb: number;
    };
  };
  const one = run(1);
  const four = run(4);
  return {
    startup_to_ready_1_door_ms: one.readyMs,
    startup_to_ready_4_doors_ms: four.readyMs,
    rss_after_start_1_door_mb: one.rssMb,
    rss_after_start_4_doors_mb: four.rssMb,
    [`rss_after_${ATTEMPTS}_attempts_1_door_mb`]: one.rssAfterAttemptsMb,
    [`rss_after_${ATTEMPTS}_attempts_4_doors_mb`]: four.rssAfterAttemptsMb,
  };
}

if (isMain(import.meta.url)) console.table(await benchMultiDoor());
