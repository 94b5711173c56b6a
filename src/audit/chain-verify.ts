import { hash as sha256 } from "node:crypto";
import type { Db } from "../store/open-database.js";
import { startHashCheck } from "./chain-hash-workers.js";

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
  opts: { parallel?: boolean } = {},
): VerifyResult {
  const checkpoint = db
    .prepare<[], Checkpoint>(
      "SELECT through_seq, through_hash, purged_rows FROM audit_checkpoints ORDER BY id DESC LIMIT 1",
    )
    .get();
  const prevHash = checkpoint?.through_hash ?? GENESIS_HASH;
  const expectedSeq = checkpoint ? checkpoint.through_seq + 1 : 1;
  const newest = db.prepare<[], { seq: number | null }>("SELECT max(seq) AS seq FROM audit_events").get();
  const total = Math.max(0, (newest?.seq ?? 0) - expectedSeq + 1);
  // On a large log the hashes are checked by worker threads while this walk checks order and links.
  const hashCheck =
    opts.parallel === false ? null : startHashCheck(db.name, expectedSeq, expectedSeq + total - 1);
  const walk = hashCheck
    ? walkStructure(db, checkpoint, prevHash, expectedSeq, total, onProgress, hashCheck.progress)
    : null;
  if (hashCheck && walk) {
    const edited = hashCheck.wait(() => onProgress?.({ checked: hashCheck.progress(), total }));
    if (edited !== undefined) {
      // The first failure in row order; at the same row, order and link are checked first. A
      // walk that failed on no row (checked them all) failed on its checkpoint, checked last.
      const failedOnRow = !walk.ok && walk.checked < total;
      if (edited !== null && (!failedOnRow || edited < (walk.firstBad?.seq ?? 0))) {
        const before = edited - (checkpoint ? checkpoint.through_seq + 1 : 1);
        return { ok: false, checked: before, firstBad: { seq: edited, problem: EDITED } };
      }
      return walk;
    }
  }
  return walkAll(db, checkpoint, prevHash, expectedSeq, total, onProgress, true);
}

const EDITED = "content does not match its hash (edited)";

/** The walk without the hashes (the workers check them): order, links, the checkpoint. */
function walkStructure(
  db: Db,
  checkpoint: Checkpoint | undefined,
  prevHash: string,
  expectedSeq: number,
  total: number,
  onProgress: ((progress: VerifyProgress) => void) | undefined,
  hashed: () => number,
): VerifyResult {
  return walkAll(
    db,
    checkpoint,
    prevHash,
    expectedSeq,
    total,
    onProgress && ((p) => onProgress({ ...p, checked: Math.min(p.checked, hashed()) })),
    false,
  );
}

function walkAll(
  db: Db,
  checkpoint: Checkpoint | undefined,
  startHash: string,
  startSeq: number,
  total: number,
  onProgress: ((progress: VerifyProgress) => void) | undefined,
  checkHashes: boolean,
): VerifyResult {
  let prevHash = startHash;
  let expectedSeq = startSeq;
  let checked = 0;
  let purgeRow: RawRow | undefined;
  // Without the hashes only seq, links and what a retention_purge row says are read.
  const columns = checkHashes
    ? "seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash"
    : "seq, ts_ms, NULL, NULL, NULL, NULL, reason, NULL, CASE WHEN reason = 'retention_purge' THEN detail END, prev_hash, hash";
  const rows = db
    .prepare(`SELECT ${columns} FROM audit_events ORDER BY seq`)
    .raw()
    .iterate() as IterableIterator<RawRow>;
  for (const row of rows) {
    const seq = row[SEQ];
    const fail = (problem: string): VerifyResult => ({ ok: false, checked, firstBad: { seq, problem } });
    if (seq !== expectedSeq) {
      const what =
        checked === 0 && checkpoint
          ? ` (the log must go on from checkpoint row ${checkpoint.through_seq})`
          : "";
      return fail(`row ${expectedSeq}${seq - expectedSeq > 1 ? `..${seq - 1}` : ""} is missing${what}`);
    }
    if (row[PREV_HASH] !== prevHash) return fail("does not link to the row before it (deleted or reordered)");
    // The same JSON as rowHash's: the nine fields before prev_hash, in column order.
    if (checkHashes && linkHash(prevHash, JSON.stringify(row.slice(SEQ, PREV_HASH))) !== row[HASH])
      return fail(EDITED);
    if (checkpoint && !purgeRow && row[REASON] === "retention_purge" && createdBy(row, checkpoint))
      purgeRow = row;
    prevHash = row[HASH];
    expectedSeq = seq + 1;
    checked++;
    if (onProgress && checked % PROGRESS_EVERY_ROWS === 0) onProgress({ checked, total });
  }
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
