/**
 * The options of `npm run bench` (`npm run bench -- "access path" --people 1000000 --rows 10000000`):
 * an optional name filter, then the site size. The environment variables of earlier versions
 * (BENCH_USERS, BENCH_AUDIT_ROWS, BENCH_RUNS) still work as defaults.
 */
import { parseArgs } from "node:util";

export interface BenchOptions {
  only: string | undefined;
  people: number;
  rows: number;
  runs: number;
  /** Where seeded databases are kept between runs (keyed by sizes and schema version). */
  cacheDir: string | undefined;
  /** The memory soak: how long, at how many attempts a second, and where heap snapshots go. */
  minutes: number;
  rate: number;
  snapshotDir: string | undefined;
  /** `--no-verify`: leave out `log verify` on the seeded log (minutes at 10,000,000 rows). */
  verify: boolean;
}

export function parseBenchOptions(argv: string[] = process.argv.slice(2)): BenchOptions {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      people: { type: "string" },
      rows: { type: "string" },
      runs: { type: "string" },
      "cache-dir": { type: "string" },
      minutes: { type: "string" },
      rate: { type: "string" },
      "snapshot-dir": { type: "string" },
      "no-verify": { type: "boolean" },
    },
  });
  const count = (name: string, raw: string | undefined, fallback: string | undefined, def: number) => {
    const n = Number(raw ?? fallback ?? def);
    if (!Number.isInteger(n) || n < 1) {
      console.error(`--${name} must be a positive whole number (got ${raw ?? fallback})`);
      process.exit(2);
    }
    return n;
  };
  return {
    only: positionals[0],
    people: count("people", values.people, process.env.BENCH_USERS, 100_000),
    rows: count("rows", values.rows, process.env.BENCH_AUDIT_ROWS, 1_000_000),
    runs: count("runs", values.runs, process.env.BENCH_RUNS, 300),
    cacheDir: values["cache-dir"],
    minutes: count("minutes", values.minutes, undefined, 10),
    rate: count("rate", values.rate, undefined, 50),
    snapshotDir: values["snapshot-dir"],
    verify: values["no-verify"] !== true,
  };
}

export const benchOptions = parseBenchOptions();
