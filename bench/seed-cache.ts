/**
 * Seeded site databases kept between bench runs: seeding 10,000,000 chained rows takes minutes,
 * copying the file seconds. The cache is keyed by the sizes, the schema version and SEED_FORMAT
 * (bump it when seed-large-site.ts changes what it writes); each run works on a fresh copy, so the
 * cached file is never written by a benchmark.
 */
import {
  closeSync,
  constants,
  copyFileSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
} from "node:fs";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { migrations } from "../src/store/migrations.js";
import { seedLargeSite } from "./seed-large-site.js";

const SEED_FORMAT = 1;
const FILES = ["doorward.db", "secret.key"] as const;

export interface SeededSite {
  dataDir: string;
  /** Seconds spent seeding in this run; 0 when the cache had it. */
  seedS: number;
  cached: boolean;
  dbBytes: number;
  /** The cached file itself: only ever to be opened read-only. */
  cachedDb: string;
}

export function defaultCacheDir(): string {
  return (
    process.env.DOORWARD_BENCH_CACHE ??
    join(process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache"), "doorward-bench")
  );
}

/** The cached seeded site's directory (seeded first if missing): its files are only ever read. */
export function cachedSite(
  people: number,
  rows: number,
  cacheDir = defaultCacheDir(),
): { cached: string; seedS: number; hit: boolean } {
  const schema = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const cached = join(cacheDir, `people-${people}-rows-${rows}-schema-${schema}-seed-${SEED_FORMAT}`);
  let seedS = 0;
  const hit = existsSync(join(cached, "doorward.db"));
  if (!hit) {
    mkdirSync(cacheDir, { recursive: true, mode: 0o700 });
    const building = mkdtempSync(join(cacheDir, "seeding-"));
    const t0 = performance.now();
    seedLargeSite(building, people, rows);
    seedS = (performance.now() - t0) / 1000;
    rmSync(cached, { recursive: true, force: true });
    renameSync(building, cached); // only a finished seed ever appears under its key
  }
  return { cached, seedS, hit };
}

/** A temp data dir holding a copy of the seeded site (seeded into the cache first if missing). */
export function seededSite(people: number, rows: number, cacheDir = defaultCacheDir()): SeededSite {
  const { cached, seedS, hit } = cachedSite(people, rows, cacheDir);
  const dataDir = mkdtempSync(join(tmpdir(), "doorward-bench-"));
  for (const file of FILES) {
    const copy = join(dataDir, file);
    copyFileSync(join(cached, file), copy, constants.COPYFILE_FICLONE);
    // Written back now, not while the bench times fsyncs: a gigabyte copy still in the page cache
    // makes the first hundred commits (path and bare alike) wait for its writeback.
    const fd = openSync(copy, "r");
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
  const dbBytes = statSync(join(dataDir, "doorward.db")).size;
  return { dataDir, seedS, cached: hit, dbBytes, cachedDb: join(cached, "doorward.db") };
}

export const megabytes = (bytes: number): number => Math.round(bytes / 1024 / 1024);
