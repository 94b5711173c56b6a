/**
 * What the rules that span doors add to one attempt, on a site-sized database (100,000 users,
 * 200,000 audit rows, 20 access levels, every user holding one or two), next to a bare
 * better-sqlite3 INSERT under synchronous=FULL on the same file (the fsync floor of every attempt):
 * - levels_none_us: SiteRules.check when no level exists (today's sites): one EXISTS query.
 * - levels_us: SiteRules.check with levels in use: EXISTS + the person's levels at this door.
 * - passback_us: the same plus anti-passback (hard) at an in reader: the occupancy fold catches
 *   up on the rows appended since the last attempt (one here, as at a real door).
 * - rebuild_ms: OccupancyLog's first read over the whole log (a restart without forgive_at), with
 *   one granted row in BENCH_PASSAGE_EVERY (4) at a reader with a direction (passage_rows).
 * Run alone: `node --import tsx bench/site-rules.ts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { LocalTimeConverter } from "../src/access/local-time.js";
import { AuditLog } from "../src/audit/audit-log.js";
import { OccupancyLog } from "../src/site/occupancy-log.js";
import { SiteRules } from "../src/site/site-rules.js";
import { LevelStore } from "../src/store/level-store.js";
import { openDatabase } from "../src/store/open-database.js";
import { isMain, percentile, round } from "./stats.js";

const USERS = Number(process.env.BENCH_USERS ?? 100_000);
const AUDIT_ROWS = Number(process.env.BENCH_AUDIT_ROWS ?? 200_000);
const LEVELS = 20;
const PASSAGE_EVERY = Number(process.env.BENCH_PASSAGE_EVERY ?? 4);
const ATTEMPTS = 5000;

export async function benchSiteRules(): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), "doorward-bench-site-"));
  try {
    const db = openDatabase(join(dir, "doorward.db"));
    db.transaction(() => {
      const user = db.prepare("INSERT INTO users (id, user_code, name, created_ms) VALUES (?, ?, ?, 0)");
      for (let i = 1; i <= USERS; i++)
        user.run(i, `u-${i.toString(36).toUpperCase().padStart(6, "0")}`, `p${i}`);
      const row = db.prepare(
        `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
         VALUES (?, ?, 'outer', 'access', 'pin', 'granted', 'granted', ?, ?, 'x', 'x')`,
      );
      for (let s = 1; s <= AUDIT_ROWS; s++)
        row.run(
          s,
          s,
          `u-${(1 + (s % USERS)).toString(36).toUpperCase().padStart(6, "0")}`,
          // One grant in PASSAGE_EVERY is at a reader with a direction (the other doors have none).
          s % PASSAGE_EVERY === 0 ? `{"direction":"${s % (2 * PASSAGE_EVERY) ? "in" : "out"}"}` : null,
        );
    })();
    const levels = new LevelStore(db);
    const local = new LocalTimeConverter("UTC");
    const occupancy = new OccupancyLog(db, new Map([["outer", null]]), local);
    const rules = (antiPassback: "off" | "hard") =>
      new SiteRules(
        {
          doors: [{ id: "outer", antiPassback, tracksOccupancy: true }],
          interlocks: [],
          rexRespectsInterlock: false,
        },
        {
          levelsAtDoor: (u, d) => levels.levelsAtDoor(u, d),
          scheduleOpen: () => true,
          doorState: () => ({ unlocked: false, open: false, emergency: false }),
          occupancy,
        },
      );
    const attempt = (i: number) => ({
      door: "outer",
      cause: "credential" as const,
      reader: "outer-in",
      direction: "in" as const,
      userId: 1 + ((i * 7919) % USERS),
      userCode: `u-${(1 + ((i * 7919) % USERS)).toString(36).toUpperCase().padStart(6, "0")}`,
      nowMs: AUDIT_ROWS + i,
    });
    const time = (fn: (i: number) => void): number => {
      const samples: number[] = [];
      for (let i = 0; i < ATTEMPTS; i++) {
        const t = performance.now();
        fn(i);
        samples.push((performance.now() - t) * 1000);
      }
      return round(percentile(samples, 50), 2);
    };
    const plain = rules("off");
    const levelsNone = time((i) => plain.check(attempt(i)));
    const t0 = performance.now();
    occupancy.catchUp(AUDIT_ROWS);
    const rebuildMs = round(performance.now() - t0, 1);
    db.transaction(() => {
      for (let l = 1; l <= LEVELS; l++)
        levels.put(`level-${l}`, l % 2 ? ["outer", "cage"] : ["cage"], null, 0);
      const hold = db.prepare("INSERT INTO user_access_levels (user_id, level_id) VALUES (?, ?)");
      for (let u = 1; u <= USERS; u++) {
        hold.run(u, 1 + (u % LEVELS));
        if (u % 3 === 0) hold.run(u, 1 + ((u + 1) % LEVELS));
      }
    })();
    const levelsUs = time((i) => plain.check(attempt(i)));
    const audit = new AuditLog(db, "outer");
    const hard = rules("hard");
    // Each attempt at a real door appends its row; the fold reads it at the next attempt. The
    // append (an fsync) is outside the timed part: it is the attempt's own row, not the rule's.
    const passbackSamples: number[] = [];
    for (let i = 0; i < ATTEMPTS / 5; i++) {
      const a = attempt(i);
      const t = performance.now();
      hard.check(a);
      passbackSamples.push((performance.now() - t) * 1000);
      audit.append(
        {
          kind: "access",
          reason: "granted",
          outcome: "granted",
          userCode: a.userCode,
          detail: { direction: "in" },
        },
        a.nowMs,
      );
    }
    const passbackUs = round(percentile(passbackSamples, 50), 2);
    const insert = db.prepare("INSERT INTO kv (key, value) VALUES (?, 'x')");
    const bareUs = time((i) => insert.run(`bench:${i}`));
    db.close();
    return {
      levels_none_us: levelsNone,
      levels_us: levelsUs,
      passback_us: passbackUs,
      bare_fsync_insert_us: bareUs,
      rebuild_ms: rebuildMs,
      passage_rows: Math.floor(AUDIT_ROWS / PASSAGE_EVERY),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) console.table(await benchSiteRules());
