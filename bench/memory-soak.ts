/**
 * Resident memory of the production build under load (issue 15 aim 3): `npm run bench -- memory
 * --minutes 10 --rate 50`. The measured process is the build (dist/bench/memory-soak-child.js)
 * run with the systemd unit's node flags and environment (read from hardware/doorward.service),
 * on a seeded site (--people, --rows), with MQTT to a local Mosquitto and the admin page on, an
 * admin logged in and the page's live feed open for the whole run. It takes `--rate` PIN attempts
 * a second (random people, one in ten unknown). Prints the curve: RSS at start and each minute,
 * the peak, and where it is (V8 heap, anonymous vs file-mapped pages).
 * Alone: `node --import tsx bench/memory-soak.ts --minutes 10 [--snapshot-dir DIR]` (snapshots at
 * minutes 1 and 5, or those in SOAK_SNAPSHOT_AT=1,3).
 */
import { spawn } from "node:child_process";
import { rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { request } from "node:https";
import { loadavg } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { AdminAccountStore } from "../src/admin/http/admin-account-store.js";
import { hashPassword } from "../src/admin/http/password-hasher.js";
import { loadOrCreateCertificate } from "../src/admin/http/tls-certificate.js";
import { openDatabase } from "../src/store/open-database.js";
import { benchOptions } from "./bench-options.js";
import { startBroker } from "./local-broker.js";
import { megabytes, seededSite } from "./seed-cache.js";
import { isMain } from "./stats.js";
import { unitNodeFlags } from "./unit-node-flags.js";

const ADMIN = { name: "soak", password: "soak page watcher" };
const CHILD = join(import.meta.dirname, "..", "dist", "bench", "memory-soak-child.js");

export interface MemorySoakOptions {
  minutes: number;
  rate: number;
  people: number;
  rows: number;
  cacheDir?: string | undefined;
  /** Heap snapshots at minutes 1 and 5 go here (for comparing what grows). */
  snapshotDir?: string | undefined;
}

export async function benchMemorySoak(o: MemorySoakOptions): Promise<Record<string, number | string>> {
  const site = seededSite(o.people, o.rows, o.cacheDir);
  const db = openDatabase(join(site.dataDir, "doorward.db"));
  new AdminAccountStore(db).add(ADMIN.name, await hashPassword(ADMIN.password), Date.now());
  db.close();
  // The admin page's certificate exists on every start but the very first: generating it would
  // load a certificate library the service never needs again.
  await loadOrCreateCertificate({ certFile: null, keyFile: null, dataDir: site.dataDir });
  const broker = await startBroker();
  const unit = unitNodeFlags();
  const child = spawn(
    process.execPath,
    [
      ...unit.execArgv,
      // For trying flags before they go into the unit: SOAK_NODE_FLAGS="--max-old-space-size=64".
      ...(process.env.SOAK_NODE_FLAGS?.split(" ").filter(Boolean) ?? []),
      CHILD,
      ...["--data-dir", site.dataDir, "--broker", broker.url],
      ...["--minutes", String(o.minutes), "--rate", String(o.rate), "--people", String(o.people)],
      ...(o.snapshotDir ? ["--snapshot-dir", o.snapshotDir] : []),
      ...(process.env.SOAK_SNAPSHOT_AT ? ["--snapshot-at", process.env.SOAK_SNAPSHOT_AT] : []),
    ],
    {
      // SOAK_ENV="MALLOC_ARENA_MAX=1 ..." tries environment before it goes into the unit.
      env: { ...process.env, NODE_ENV: "production", ...unit.env, ...parseEnv(process.env.SOAK_ENV) },
      stdio: ["pipe", "pipe", "inherit"],
    },
  );
  const curve: Array<Record<string, number>> = [];
  const loads: number[] = [];
  let feed: IncomingMessage | null = null;
  let feedEvents = 0;
  let feedCuts = 0;
  let done = false;
  let cookie = "";
  /** As the page: log in once; a feed that ends is opened again with the same session (EventSource). */
  const watch = async (adminUrl: string): Promise<void> => {
    cookie ||= await logIn(adminUrl);
    feed = await openLiveFeed(adminUrl, cookie, () => feedEvents++);
    const startedMs = Date.now();
    feed.once("close", () => {
      if (done) return;
      feedCuts++;
      console.log(`  live feed closed after ${Math.round((Date.now() - startedMs) / 1000)} s; reopening`);
      void watch(adminUrl).catch((err) => console.log(`  live feed not reopened: ${err}`));
    });
  };
  try {
    for await (const line of createInterface({ input: child.stdout })) {
      const msg = JSON.parse(line) as Record<string, number | string | boolean>;
      if (typeof msg.admin_url === "string") {
        await watch(msg.admin_url);
        child.stdin.write("go\n");
      } else if (msg.done) {
        done = true;
        break;
      } else {
        // The child stops its admin server after the last sample: no reopening from here on.
        if (msg.minute === o.minutes) done = true;
        curve.push(msg as Record<string, number>);
        loads.push(loadavg()[0] as number);
        console.log(`  minute ${msg.minute}: ${msg.rss_mb} MB resident (peak ${msg.peak_rss_mb} MB)`);
      }
    }
  } finally {
    done = true;
    (feed as IncomingMessage | null)?.destroy();
    child.kill();
    await broker.stop();
    rmSync(site.dataDir, { recursive: true, force: true });
  }
  console.table(curve);
  const at = (minute: number) => curve.find((c) => c.minute === minute)?.rss_mb ?? "-";
  const steady = curve.filter((c) => (c.minute ?? 0) >= 1);
  return {
    unit_flags: [...unit.execArgv, ...Object.entries(unit.env).map(([k, v]) => `${k}=${v}`)].join(" "),
    people: o.people,
    rows: o.rows,
    db_mb: megabytes(site.dbBytes),
    rate_per_s: o.rate,
    attempts: curve.at(-1)?.attempts ?? 0,
    live_feed_events: feedEvents,
    live_feed_reconnects: feedCuts,
    rss_start_mb: at(0),
    rss_1min_mb: at(1),
    rss_5min_mb: at(5),
    [`rss_${o.minutes}min_mb`]: at(o.minutes),
    rss_steady_max_mb: Math.max(...steady.map((c) => c.rss_mb as number)),
    peak_rss_mb: curve.at(-1)?.peak_rss_mb ?? 0,
    commit_p50_ms: Math.max(...steady.map((c) => c.commit_p50_ms as number)),
    load_avg_1min: loads.map((l) => l.toFixed(1)).join(" / "),
  };
}

function parseEnv(text = ""): Record<string, string> {
  return Object.fromEntries(
    text
      .split(" ")
      .filter(Boolean)
      .map((kv) => kv.split("=", 2) as [string, string]),
  );
}

async function logIn(adminUrl: string): Promise<string> {
  const login = await call(`${adminUrl}api/login`, "POST", JSON.stringify(ADMIN));
  const cookie = login.headers["set-cookie"]?.[0]?.split(";")[0];
  login.resume();
  if (login.statusCode !== 200 || !cookie) throw new Error(`soak admin login failed: ${login.statusCode}`);
  return cookie;
}

/** The page's live feed (SSE) on the admin's session, counting its audit events. */
async function openLiveFeed(adminUrl: string, cookie: string, onEvent: () => void): Promise<IncomingMessage> {
  const feed = await call(`${adminUrl}api/events`, "GET", undefined, cookie);
  if (feed.statusCode !== 200) throw new Error(`live feed refused: ${feed.statusCode}`);
  feed.on("data", (chunk: Buffer) => {
    for (const line of String(chunk).split("\n")) {
      if (line.startsWith("event: audit")) onEvent();
      if (line.startsWith('data: {"reason"')) console.log(`  live feed: session ended ${line}`);
    }
  });
  feed.on("error", () => {});
  return feed;
}

function call(url: string, method: string, body?: string, cookie?: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method,
        rejectUnauthorized: false, // the controller's self-signed certificate, on localhost
        headers: { ...(body ? { "content-type": "application/json" } : {}), ...(cookie ? { cookie } : {}) },
      },
      resolve,
    );
    req.on("error", reject);
    req.end(body);
  });
}

export const benchMemory = () =>
  benchMemorySoak({
    minutes: benchOptions.minutes,
    rate: benchOptions.rate,
    people: benchOptions.people,
    rows: benchOptions.rows,
    cacheDir: benchOptions.cacheDir,
    snapshotDir: benchOptions.snapshotDir,
  });

if (isMain(import.meta.url)) {
  console.table(await benchMemory());
  process.exit(0);
}
