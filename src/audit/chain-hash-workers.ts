import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";

/**
 * The costly half of `log verify` (the JSON and SHA-256 of every row) spread over worker threads,
 * each on its own read-only connection and its own range of seq, while the calling thread walks
 * the chain's order and links. verify() stays synchronous (the HTTP route and the CLI call it so):
 * the workers report through shared memory and the caller blocks on Atomics.wait.
 *
 * Each worker checks that every row of its range hashes to its stored hash from its own stored
 * prev_hash; the walk checks that each prev_hash is the previous row's hash. Together that is the
 * whole chain check, done once.
 */

/** Below this many rows the threads' start-up (tens of ms each) costs more than it saves. */
export const PARALLEL_FROM_ROWS = 100_000;

const require = createRequire(import.meta.url);

// Plain JavaScript run with `eval`: no loader is needed, whether doorward runs from the build,
// through tsx or under vitest. The hash is the one of chain-verify.ts (linkHash).
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { hash } = require("node:crypto");
const { sqlitePath, file, fromSeq, toSeq, index, shared } = workerData;
const state = new Int32Array(shared, 0, 2 * workerData.count);
const found = new Float64Array(shared, 8 * workerData.count, workerData.count);
let status = 1;
try {
  const Database = require(sqlitePath);
  const db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("cache_size = -1000"); // a scan in seq order: a big page cache would only cost memory
  const rows = db
    .prepare("SELECT seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash FROM audit_events WHERE seq BETWEEN ? AND ? ORDER BY seq")
    .raw()
    .iterate(fromSeq, toSeq);
  let done = 0;
  for (const row of rows) {
    if (hash("sha256", row[9] + "\\n" + JSON.stringify(row.slice(0, 9)), "hex") !== row[10]) {
      found[index] = row[0];
      break;
    }
    if (++done % 4096 === 0) Atomics.store(state, 2 * index + 1, done);
  }
  db.close();
} catch (err) {
  status = 2;
}
Atomics.store(state, 2 * index, status);
Atomics.notify(state, 2 * index);
`;

export interface HashCheck {
  /** Rows hash-checked so far, over all workers. */
  progress(): number;
  /**
   * Blocks until every worker is done; the first seq whose content does not match its hash, or
   * null; undefined if a worker failed (the caller then checks the hashes itself).
   */
  wait(onWaiting: () => void): number | null | undefined;
}

/** Starts the workers over [fromSeq, toSeq] of the database file `file`, or returns null when it is not worth it. */
export function startHashCheck(file: string, fromSeq: number, toSeq: number): HashCheck | null {
  const rows = toSeq - fromSeq + 1;
  const count = Math.min(4, availableParallelism());
  if (rows < PARALLEL_FROM_ROWS || count < 2 || file === "" || file === ":memory:") return null;
  const shared = new SharedArrayBuffer(16 * count);
  const state = new Int32Array(shared, 0, 2 * count);
  const found = new Float64Array(shared, 8 * count, count);
  const sqlitePath = require.resolve("better-sqlite3");
  const per = Math.ceil(rows / count);
  const workers: Worker[] = [];
  for (let index = 0; index < count; index++) {
    const from = fromSeq + index * per;
    const to = Math.min(toSeq, from + per - 1);
    workers.push(
      new Worker(WORKER_SOURCE, {
        eval: true,
        workerData: { sqlitePath, file, fromSeq: from, toSeq: to, index, count, shared },
        // Small heaps: the service's admin page may run a verify, within its memory budget.
        resourceLimits: { maxOldGenerationSizeMb: 32, maxYoungGenerationSizeMb: 4 },
      }),
    );
  }
  return {
    progress() {
      let done = 0;
      for (let i = 0; i < count; i++) done += Atomics.load(state, 2 * i + 1);
      return done;
    },
    wait(onWaiting) {
      let failed = false;
      for (let i = 0; i < count; i++) {
        while (Atomics.wait(state, 2 * i, 0, 250) === "timed-out") onWaiting();
        if (Atomics.load(state, 2 * i) === 2) failed = true;
      }
      for (const worker of workers) void worker.terminate();
      if (failed) return undefined;
      for (let i = 0; i < count; i++) if (found[i]) return found[i] as number;
      return null;
    },
  };
}
