import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { MessageChannel, type MessagePort, receiveMessageOnPort, Worker } from "node:worker_threads";

/**
 * `log verify` on a large log: worker threads check the chain in chunks of seq, each on its own
 * read-only connection, while the calling thread only stitches the chunks together. A worker
 * checks everything inside its chunk (seq with no gap, each row linking to the one before, each
 * row's hash); the caller checks the links between chunks and re-walks, with the one-thread walk,
 * any chunk that is not clean, so every verdict is the one-thread walk's (see chain-verify.ts).
 *
 * Where the time goes (10,000,000 rows, issue 15): reading a row's eleven columns into JavaScript
 * values and JSON.stringify of nine of them cost twice the SHA-256. So a worker has SQLite build
 * the JSON (`json_array`, in C) and reads four values a row. Same verdicts: SQLite's JSON text of
 * a row parses back to the very values better-sqlite3 reads (SQL_ROW_JSON, pinned by
 * test/audit/chain-sql-json.test.ts), so when it hashes to the stored hash (is the JSON.stringify
 * text the row was hashed from) the row as read has that JSON.stringify text too, and the
 * one-thread walk accepts it as well. A row whose SQL JSON does not match is hashed again the
 * one-thread way before it counts as edited.
 */

/** Below this many rows the threads' start-up (tens of ms each) costs more than it saves. */
export const PARALLEL_FROM_ROWS = 100_000;

/** Seqs per chunk: the most a failing chunk costs to walk again on one thread (well under a second). */
export const CHUNK_ROWS = 65_536;

/** What a worker found in one chunk, under the assumption that the chunk starts the chain. */
export interface ChunkSummary {
  index: number;
  /** Rows in the chunk, all hashing and linking correctly, the first at the chunk's first seq. */
  clean: boolean;
  rows: number;
  firstPrevHash: string | null;
  lastSeq: number | null;
  lastHash: string | null;
  /** Raw rows whose reason is retention_purge (asked for only when there is a checkpoint). */
  purgeRows: unknown[][];
}

/**
 * The JSON of a row's nine hashed fields, built by SQLite. Its text parses back to the values
 * better-sqlite3 reads for integers (beyond 2^53 both round alike), text (invalid UTF-8 too) and
 * NULL; a REAL gets none (JSON.stringify writes floats its own way); a BLOB makes json_array fail,
 * and the worker then checks that batch of rows the one-thread way.
 */
export const SQL_ROW_JSON =
  "CASE WHEN typeof(ts_ms) <> 'real' THEN json_array(seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail) END";

const require = createRequire(import.meta.url);

// Shared counters (Int32Array over a SharedArrayBuffer).
const NEXT = 0; // next chunk index to claim
const DONE = 1; // chunks reported (the caller waits on it)
const STOP = 2; // set by the caller: stop claiming and reading
const CHECKED = 3; // rows checked so far, for the progress line
const FAILED = 4; // a worker could not work (no database, an exception)

// Plain JavaScript run with `eval`: no loader is needed, whether doorward runs from the build,
// through tsx or under vitest. The fallback hash is chain-verify.ts's linkHash over the same
// JSON.stringify of the nine fields as the one-thread walk.
const WORKER_SOURCE = `
const { workerData } = require("node:worker_threads");
const { hash } = require("node:crypto");
const { sqlitePath, file, firstSeq, chunkRows, chunkCount, shared, port, withPurgeRows } = workerData;
const ctl = new Int32Array(shared);
const MIN = -(2n ** 63n), MAX = 2n ** 63n - 1n;
const BATCH = 2048;
let db;
try {
  const Database = require(sqlitePath);
  db = new Database(file, { readonly: true, fileMustExist: true });
  db.pragma("cache_size = -1000"); // one pass in seq order: a big page cache would only cost memory
  const range = "FROM audit_events WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT " + BATCH;
  const purge = withPurgeRows ? "reason = 'retention_purge'" : "0";
  const batch = db.prepare("SELECT seq, prev_hash, hash, ${SQL_ROW_JSON}, " + purge + " " + range).raw();
  // The same rows without SQL JSON: for a batch holding a BLOB, where json_array fails.
  const plain = db.prepare("SELECT seq, prev_hash, hash, NULL, " + purge + " " + range).raw();
  const whole = db.prepare("SELECT seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash FROM audit_events WHERE seq = ?").raw();
  for (;;) {
    const index = Atomics.add(ctl, ${NEXT}, 1);
    if (index >= chunkCount || Atomics.load(ctl, ${STOP})) break;
    const lo = index === 0 ? MIN : firstSeq + index * chunkRows;
    const hi = index === chunkCount - 1 ? MAX : firstSeq + (index + 1) * chunkRows - 1;
    let expected = index === 0 ? firstSeq : lo;
    let clean = true, rows = 0, firstPrevHash = null, lastSeq = null, lastHash = null;
    const purgeRows = [];
    let after = index === 0 ? MIN : lo - 1;
    read: for (;;) {
      if (Atomics.load(ctl, ${STOP})) break;
      let got;
      try {
        got = batch.all(after, hi);
      } catch {
        got = plain.all(after, hi);
      }
      for (const [seq, prev, stored, json, isPurge] of got) {
        if (seq !== expected || (rows > 0 && prev !== lastHash)) { clean = false; break read; }
        if (json === null || hash("sha256", prev + "\\n" + json, "hex") !== stored) {
          const row = whole.get(seq);
          if (hash("sha256", row[9] + "\\n" + JSON.stringify(row.slice(0, 9)), "hex") !== row[10]) { clean = false; break read; }
        }
        if (isPurge) purgeRows.push(whole.get(seq));
        if (rows === 0) firstPrevHash = prev;
        lastSeq = seq; lastHash = stored; expected = seq + 1; rows++;
      }
      Atomics.add(ctl, ${CHECKED}, got.length);
      if (got.length < BATCH) break;
      after = got[got.length - 1][0];
    }
    port.postMessage({ index, clean, rows, firstPrevHash, lastSeq, lastHash, purgeRows });
    Atomics.add(ctl, ${DONE}, 1);
    Atomics.notify(ctl, ${DONE});
  }
} catch (err) {
  Atomics.store(ctl, ${FAILED}, 1);
  Atomics.add(ctl, ${DONE}, 1);
  Atomics.notify(ctl, ${DONE});
} finally {
  db?.close();
}
`;

/** A worker that shows no sign of life for this long is taken as dead (killed for memory, say). */
const STALLED_MS = 60_000;

export interface ChunkCheck {
  readonly chunkCount: number;
  /** Seq bounds of chunk `index` (the first and last chunks are open-ended). */
  bounds(index: number): { lo: bigint; hi: bigint; assumedFirstSeq: number };
  /**
   * Blocks until chunk `index` is reported; undefined if the workers failed (the caller then
   * walks on one thread). `onWaiting` is called about four times a second while it waits.
   */
  take(index: number, onWaiting: (checked: number) => void): ChunkSummary | undefined;
  /** Stops the workers (what they were doing is no longer needed). */
  stop(): void;
}

/** One worker per core, at most four (the reads of one SQLite file stop scaling beyond). */
export function defaultWorkerCount(): number {
  return Math.min(availableParallelism(), 4);
}

export interface ChunkCheckOptions {
  chunkRows?: number;
  workers?: number;
  withPurgeRows: boolean;
}

/** Starts workers over the chunks of [firstSeq, newestSeq] of the database file, or null when not worth it. */
export function startChunkCheck(
  file: string,
  firstSeq: number,
  newestSeq: number,
  opts: ChunkCheckOptions,
): ChunkCheck | null {
  const rows = newestSeq - firstSeq + 1;
  if (rows < PARALLEL_FROM_ROWS || file === "" || file === ":memory:") return null;
  const chunkRows = opts.chunkRows ?? CHUNK_ROWS;
  const chunkCount = Math.ceil(rows / chunkRows);
  const count = Math.max(1, Math.min(opts.workers ?? defaultWorkerCount(), chunkCount));
  const shared = new SharedArrayBuffer(5 * 4);
  const ctl = new Int32Array(shared);
  const sqlitePath = require.resolve("better-sqlite3");
  const ports: MessagePort[] = [];
  const workers: Worker[] = [];
  for (let i = 0; i < count; i++) {
    const { port1, port2 } = new MessageChannel();
    ports.push(port1);
    const workerData = {
      sqlitePath,
      file,
      firstSeq,
      chunkRows,
      chunkCount,
      shared,
      port: port2,
      withPurgeRows: opts.withPurgeRows,
    };
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData,
      transferList: [port2],
      // Small heaps: the admin page runs a verify inside the service's memory budget.
      resourceLimits: { maxOldGenerationSizeMb: 48, maxYoungGenerationSizeMb: 8 },
    });
    worker.unref();
    workers.push(worker);
  }
  const reported = new Map<number, ChunkSummary>();
  const drain = () => {
    for (const port of ports) {
      for (let m = receiveMessageOnPort(port); m; m = receiveMessageOnPort(port)) {
        const summary = m.message as ChunkSummary;
        reported.set(summary.index, summary);
      }
    }
  };
  const stop = () => {
    Atomics.store(ctl, STOP, 1);
    for (const worker of workers) void worker.terminate();
    for (const port of ports) port.close();
  };
  return {
    chunkCount,
    bounds(index) {
      return {
        lo: index === 0 ? -(2n ** 63n) : BigInt(firstSeq + index * chunkRows),
        hi: index === chunkCount - 1 ? 2n ** 63n - 1n : BigInt(firstSeq + (index + 1) * chunkRows - 1),
        assumedFirstSeq: index === 0 ? firstSeq : firstSeq + index * chunkRows,
      };
    },
    take(index, onWaiting) {
      let lastSign = -1;
      let lastSignAt = Date.now();
      for (;;) {
        const done = Atomics.load(ctl, DONE);
        drain();
        const summary = reported.get(index);
        if (summary) {
          reported.delete(index);
          return summary;
        }
        if (Atomics.load(ctl, FAILED)) return undefined;
        Atomics.wait(ctl, DONE, done, 250);
        const checked = Atomics.load(ctl, CHECKED);
        onWaiting(checked);
        const sign = checked + Atomics.load(ctl, DONE);
        if (sign !== lastSign) {
          lastSign = sign;
          lastSignAt = Date.now();
        } else if (Date.now() - lastSignAt > STALLED_MS) return undefined;
      }
    },
    stop,
  };
}
