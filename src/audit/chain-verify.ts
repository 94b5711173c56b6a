import { hash as sha256 } from "node:crypto";
import type { Db } from "../store/open-database.js";
import { type ChunkCheck, startChunkCheck } from "./chain-chunk-workers.js";

export const GENESIS_HASH = "0".repeat(64);

/**
 * The chain link: SHA-256 of the previous row's hash, a newline and the row's fields as JSON.
 * One-shot hashing: no Hash object per row, which is a third of the cost of a 10,000,000-row walk.
 */
export function linkHash(prevHash: string, fieldsJson: string): string {
  return sha256("sha256", `${prevHash}\n${fieldsJson}`, "hex");
}

export interface VerifyResult {
  ok: boolean;
  checked: number;
  firstBad?: { seq: number; problem: string };
}

/** How far a walk got; `total` is the rows it expects (from the newest seq), for a percentage. */
export interface VerifyProgress {
  checked: number;
  total: number;
}

/** Rows between progress calls: often enough for a terminal line, rare enough to cost nothing. */
export const PROGRESS_EVERY_ROWS = 65_536;

interface Checkpoint {
  through_seq: number;
  through_hash: string;
  purged_rows: number;
}

// Column positions of the raw rows the walk reads (arrays, not objects: half the allocations).
type RawRow = [
  seq: number,
  ts_ms: number,
  door: string,
  kind: string,
  credential: string | null,
  outcome: string | null,
  reason: string,
  user_code: string | null,
  detail: string | null,
  prev_hash: string,
  hash: string,
];
const SEQ = 0;
const TS_MS = 1;
const REASON = 6;
const DETAIL = 8;
const PREV_HASH = 9;
const HASH = 10;

/** Where a walk stands: the next seq and prev_hash it expects, the rows it has passed. */
interface WalkState {
  expectedSeq: number;
  prevHash: string;
  checked: number;
  /** The chained retention_purge row that created the checkpoint, once seen. */
  purgeRow: RawRow | undefined;
}

export interface VerifyOptions {
  /** false: the one-thread walk only (the reference the worker threads' answer must equal). */
  parallel?: boolean;
  /** Seqs per worker chunk (tests use small chunks to put edits on their boundaries). */
  chunkRows?: number;
  workers?: number;
}

/**
 * Walks the whole chain and names the first row that was edited, deleted or moved. After a
 * retention purge the walk starts from the newest checkpoint (seq and hash of the last purged
 * row), so the first kept row must link to it exactly; without one it starts at row 1 from the
 * genesis hash. The checkpoint table is not chained, so a checkpoint counts only when the
 * chained `retention_purge` row that created it is in the log (see checkCheckpoint). An empty
 * log fails: a started controller always has rows, so none left means they were deleted.
 */
export function verifyChain(
  db: Db,
  onProgress?: (progress: VerifyProgress) => void,
  opts: VerifyOptions = {},
): VerifyResult {
  // On a running service's database (the admin page, or the CLI next to it) the worker threads
  // read through their own connections: a retention purge committed during the walk moves the
  // checkpoint under it. The walk then runs again, so a purge is never reported as deleted rows.
  const newestCheckpoint = db.prepare<[], { id: number | null }>(
    "SELECT max(id) AS id FROM audit_checkpoints",
  );
  for (let attempt = 1; ; attempt++) {
    const before = newestCheckpoint.get()?.id ?? null;
    const result = verifyOnce(db, onProgress, opts);
    if (result.ok || attempt === 3 || (newestCheckpoint.get()?.id ?? null) === before) return result;
  }
}

function verifyOnce(
  db: Db,
  onProgress: ((progress: VerifyProgress) => void) | undefined,
  opts: VerifyOptions,
): VerifyResult {
  const checkpoint = db
    .prepare<[], Checkpoint>(
      "SELECT through_seq, through_hash, purged_rows FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    )
    .get();
  const state: WalkState = {
    prevHash: checkpoint?.through_hash ?? GENESIS_HASH,
    expectedSeq: checkpoint ? checkpoint.through_seq + 1 : 1,
    checked: 0,
    purgeRow: undefined,
  };
  const newest = db.prepare<[], { seq: number | null }>("SELECT max(seq) AS seq FROM audit_events").get();
  const total = Math.max(0, (newest?.seq ?? 0) - state.expectedSeq + 1);
  const chunks =
    opts.parallel === false
      ? null
      : startChunkCheck(db.name, state.expectedSeq, state.expectedSeq + total - 1, {
          chunkRows: opts.chunkRows,
          workers: opts.workers,
          withPurgeRows: checkpoint !== undefined,
        });
  if (chunks) {
    try {
      const failed = stitchChunks(db, chunks, state, checkpoint, total, onProgress);
      if (failed !== undefined) return failed ?? finish(state, checkpoint);
    } finally {
      chunks.stop();
    }
    // The workers could not finish: the whole walk on this thread, from the start.
    Object.assign(state, {
      prevHash: checkpoint?.through_hash ?? GENESIS_HASH,
      expectedSeq: checkpoint ? checkpoint.through_seq + 1 : 1,
      checked: 0,
      purgeRow: undefined,
    });
  }
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM audit_events ORDER BY seq`)
    .raw()
    .iterate() as IterableIterator<RawRow>;
  return walkRows(rows, state, checkpoint, total, onProgress) ?? finish(state, checkpoint);
}

const COLUMNS = "seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash";

/**
 * Takes the workers' chunks in seq order. A clean chunk that starts where the walk stands (its
 * first seq is the one expected, its first prev_hash the hash of the last row before it) is the
 * one-thread walk's answer for its rows, so the walk jumps over it. Any other chunk is walked
 * again here, with the one-thread walk, from where the walk stands: so the first failure, its
 * seq, its wording and the rows counted before it are the one-thread walk's. Returns a failure,
 * null (all chunks passed) or undefined (the workers failed).
 */
function stitchChunks(
  db: Db,
  chunks: ChunkCheck,
  state: WalkState,
  checkpoint: Checkpoint | undefined,
  total: number,
  onProgress: ((progress: VerifyProgress) => void) | undefined,
): VerifyResult | null | undefined {
  const rewalk = db
    .prepare(`SELECT ${COLUMNS} FROM audit_events WHERE seq >= ? AND seq <= ? ORDER BY seq`)
    .raw();
  const report = (checked: number) => onProgress?.({ checked: Math.min(checked, total), total });
  for (let index = 0; index < chunks.chunkCount; index++) {
    const chunk = chunks.take(index, report);
    if (!chunk) return undefined;
    const { lo, hi, assumedFirstSeq } = chunks.bounds(index);
    const joins =
      chunk.rows === 0 || (state.expectedSeq === assumedFirstSeq && chunk.firstPrevHash === state.prevHash);
    if (chunk.clean && joins) {
      if (chunk.rows === 0) continue;
      state.expectedSeq = (chunk.lastSeq as number) + 1;
      state.prevHash = chunk.lastHash as string;
      state.checked += chunk.rows;
      for (const row of chunk.purgeRows as RawRow[]) notePurgeRow(row, state, checkpoint);
      continue;
    }
    const rows = rewalk.iterate(lo, hi) as IterableIterator<RawRow>;
    const failed = walkRows(rows, state, checkpoint, total, undefined);
    if (failed) return failed;
  }
  return null;
}

function notePurgeRow(row: RawRow, state: WalkState, checkpoint: Checkpoint | undefined): void {
  if (checkpoint && !state.purgeRow && row[REASON] === "retention_purge" && createdBy(row, checkpoint))
    state.purgeRow = row;
}

const EDITED = "content does not match its hash (edited)";

/** The one-thread walk over rows in seq order from `state`: a failure, or null with `state` moved on. */
function walkRows(
  rows: Iterable<RawRow>,
  state: WalkState,
  checkpoint: Checkpoint | undefined,
  total: number,
  onProgress: ((progress: VerifyProgress) => void) | undefined,
): VerifyResult | null {
  for (const row of rows) {
    const seq = row[SEQ];
    const { expectedSeq, checked } = state;
    const fail = (problem: string): VerifyResult => ({ ok: false, checked, firstBad: { seq, problem } });
    if (seq !== expectedSeq) {
      const what =
        checked === 0 && checkpoint
          ? ` (the log must go on from checkpoint row ${checkpoint.through_seq})`
          : "";
      return fail(`row ${expectedSeq}${seq - expectedSeq > 1 ? `..${seq - 1}` : ""} is missing${what}`);
    }
    if (row[PREV_HASH] !== state.prevHash)
      return fail("does not link to the row before it (deleted or reordered)");
    // The same JSON as rowHash's: the nine fields before prev_hash, in column order.
    if (linkHash(state.prevHash, JSON.stringify(row.slice(SEQ, PREV_HASH))) !== row[HASH])
      return fail(EDITED);
    notePurgeRow(row, state, checkpoint);
    state.prevHash = row[HASH];
    state.expectedSeq = seq + 1;
    state.checked = checked + 1;
    if (onProgress && state.checked % PROGRESS_EVERY_ROWS === 0)
      onProgress({ checked: state.checked, total });
  }
  return null;
}

/** After the last row: an empty log fails, and a checkpoint needs its chained purge row. */
function finish(state: WalkState, checkpoint: Checkpoint | undefined): VerifyResult {
  const { checked, expectedSeq, purgeRow } = state;
  if (checked === 0) {
    return {
      ok: false,
      checked,
      firstBad: { seq: expectedSeq, problem: "the log is empty: its rows were deleted" },
    };
  }
  if (checkpoint) {
    const problem = checkCheckpoint(checkpoint, purgeRow);
    if (problem) return { ok: false, checked, firstBad: { seq: purgeRow?.[SEQ] ?? expectedSeq, problem } };
  }
  return { ok: true, checked };
}

const DAY_MS = 86_400_000;

function purgeDetail(row: RawRow): Record<string, unknown> {
  try {
    return JSON.parse(row[DETAIL] ?? "{}") as Record<string, unknown>;
  } catch {
    return {};
  }
}

/** The retention_purge row that wrote this checkpoint names the same last row, hash and count. */
function createdBy(row: RawRow, cp: Checkpoint): boolean {
  const d = purgeDetail(row);
  return (
    row[SEQ] > cp.through_seq &&
    d.through_seq === cp.through_seq &&
    d.through_hash === cp.through_hash &&
    d.purged_rows === cp.purged_rows
  );
}

/**
 * Why a checkpoint cannot be trusted, or null. Without its chained purge row anyone with write
 * access to the file could delete a prefix of the log and insert a checkpoint to cover it; and a
 * purge may only have taken rows older than the retention period it ran with.
 */
function checkCheckpoint(cp: Checkpoint, purgeRow: RawRow | undefined): string | null {
  if (!purgeRow) {
    return `checkpoint through row ${cp.through_seq} has no matching retention_purge row in the log (forged checkpoint: rows 1..${cp.through_seq} deleted)`;
  }
  const d = purgeDetail(purgeRow);
  const retentionDays = d.retention_days;
  const throughTs = d.through_ts_ms;
  if (typeof retentionDays !== "number" || retentionDays < 1 || typeof throughTs !== "number")
    return "retention_purge row does not say how old the purged rows were";
  if (throughTs > purgeRow[TS_MS] - retentionDays * DAY_MS)
    return `retention_purge removed rows younger than its retention period (${retentionDays} days)`;
  return null;
}
