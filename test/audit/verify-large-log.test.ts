import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditLog, GENESIS_HASH, rowHash } from "../../src/audit/audit-log.js";
import { CHUNK_ROWS, PARALLEL_FROM_ROWS, startChunkCheck } from "../../src/audit/chain-chunk-workers.js";
import {
  PROGRESS_EVERY_ROWS,
  type VerifyOptions,
  type VerifyProgress,
  verifyChain,
} from "../../src/audit/chain-verify.js";
import {
  checkpointAndTruncateWal,
  openDatabase,
  openDatabaseReadOnly,
} from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

// A log of a few hundred thousand rows, stopped and checkpointed like a site's, then edited as
// an auditor (or an intruder) would: the fast walk of issue 15 must still name the row.
const ROWS = 3 * PROGRESS_EVERY_ROWS + 1234;
let dbPath: string;

beforeAll(() => {
  dbPath = join(tempDir(), "doorward.db");
  openDatabase(dbPath).close();
  const db = new Database(dbPath);
  db.pragma("synchronous = OFF");
  const insert = db.prepare(
    `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
     VALUES (@seq, @ts_ms, @door, @kind, @credential, @outcome, @reason, @user_code, @detail, @prev_hash, @hash)`,
  );
  db.transaction(() => {
    let prev = GENESIS_HASH;
    for (let seq = 1; seq <= ROWS; seq++) {
      const row = {
        seq,
        ts_ms: 1_700_000_000_000 + seq * 1000,
        door: "records-room",
        kind: "access" as const,
        credential: "pin" as const,
        outcome: seq % 5 ? ("granted" as const) : ("denied" as const),
        reason: seq % 5 ? "granted" : "unknown_credential",
        user_code: seq % 5 ? `u-${seq % 997}` : null,
        detail: seq % 11 ? null : JSON.stringify({ factors: ["pin", "badge"], note: "é ✓" }),
        prev_hash: prev,
      };
      const hash = rowHash(row);
      insert.run({ ...row, hash });
      prev = hash;
    }
  })();
  db.pragma("wal_checkpoint(TRUNCATE)");
  db.close();
}, 120_000);

/** The log as `doorward log verify` reads it when the service is stopped. */
function verify(onProgress?: (p: VerifyProgress) => void, opts?: VerifyOptions) {
  const db = openDatabaseReadOnly(dbPath);
  try {
    const parallel = opts
      ? verifyChain(db, onProgress, opts)
      : new AuditLog(db, "records-room").verify(onProgress);
    // The worker threads' answer is the one walk of the calling thread alone would give.
    expect(verifyChain(db, undefined, { parallel: false })).toEqual(parallel);
    return parallel;
  } finally {
    db.close();
  }
}

function run(statement: string): void {
  const db = new Database(dbPath);
  try {
    db.exec(statement);
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

/** Tampers with the log, runs the check, then puts the rows back as they were. */
function tampered(seqs: number[], statements: string, check: () => void): void {
  const db = new Database(dbPath, { readonly: true });
  const saved = seqs.map((seq) => db.prepare("SELECT * FROM audit_events WHERE seq = ?").get(seq) as object);
  db.close();
  run(statements);
  try {
    check();
  } finally {
    const restore = new Database(dbPath);
    const put = restore.prepare(
      `INSERT OR REPLACE INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
       VALUES (@seq, @ts_ms, @door, @kind, @credential, @outcome, @reason, @user_code, @detail, @prev_hash, @hash)`,
    );
    for (const row of saved) put.run(row);
    restore.pragma("wal_checkpoint(TRUNCATE)");
    restore.close();
  }
}

const EDITED = "content does not match its hash (edited)";
const DEEP = 2 * PROGRESS_EVERY_ROWS + 17;

describe("log verify on a large-ish log (issue 15 item 4)", () => {
  it("reads the stopped service's file in place (not a copy in memory) and reports progress", () => {
    expect(ROWS).toBeGreaterThan(PARALLEL_FROM_ROWS); // the worker threads' path is the one tested
    const db = openDatabaseReadOnly(dbPath);
    expect(db.memory).toBe(false);
    // The worker threads open the same file and find every chunk clean (undefined: they failed).
    const chunks = startChunkCheck(db.name, 1, ROWS, { withPurgeRows: false });
    expect(chunks?.chunkCount).toBe(Math.ceil(ROWS / CHUNK_ROWS));
    const summaries = [0, 1, 2, 3].map((i) => chunks?.take(i, () => {}));
    chunks?.stop();
    expect(summaries.map((s) => [s?.clean, s?.rows])).toEqual([
      [true, CHUNK_ROWS],
      [true, CHUNK_ROWS],
      [true, CHUNK_ROWS],
      [true, ROWS - 3 * CHUNK_ROWS],
    ]);
    const seen: VerifyProgress[] = [];
    expect(verifyChain(db, (p) => seen.push(p), { parallel: false })).toEqual({ ok: true, checked: ROWS });
    expect(seen).toEqual([1, 2, 3].map((n) => ({ checked: n * PROGRESS_EVERY_ROWS, total: ROWS })));
    db.close();
    const parallelSeen: VerifyProgress[] = [];
    expect(verify((p) => parallelSeen.push(p))).toEqual({ ok: true, checked: ROWS });
    for (const p of parallelSeen) expect(p.checked).toBeLessThanOrEqual(ROWS);
  });

  it("an edited row deep in the log is named, with the intact rows before it", () => {
    tampered([DEEP], `UPDATE audit_events SET user_code = 'u-INTRUDER' WHERE seq = ${DEEP}`, () =>
      expect(verify()).toEqual({ ok: false, checked: DEEP - 1, firstBad: { seq: DEEP, problem: EDITED } }),
    );
    expect(verify()).toEqual({ ok: true, checked: ROWS });
  });

  it("an edited detail (JSON with non-ASCII text) is named too", () => {
    tampered([11], "UPDATE audit_events SET detail = replace(detail, 'badge', 'pin') WHERE seq = 11", () =>
      expect(verify().firstBad).toEqual({ seq: 11, problem: EDITED }),
    );
  });

  it("a deleted row before an edited one: the deleted row is named, with the rows before it", () => {
    const gone = 150_000;
    tampered(
      [gone + 3000, gone],
      `UPDATE audit_events SET outcome = 'granted' WHERE seq = ${gone + 3000}; DELETE FROM audit_events WHERE seq = ${gone}`,
      () =>
        expect(verify()).toEqual({
          ok: false,
          checked: gone - 1,
          firstBad: { seq: gone + 1, problem: `row ${gone} is missing` },
        }),
    );
  });

  it("an edited row before a deleted one (in another worker's range): the edited row is named", () => {
    const last = ROWS - 5;
    tampered(
      [DEEP, last],
      `UPDATE audit_events SET ts_ms = ts_ms + 1 WHERE seq = ${DEEP}; DELETE FROM audit_events WHERE seq = ${last}`,
      () =>
        expect(verify()).toEqual({ ok: false, checked: DEEP - 1, firstBad: { seq: DEEP, problem: EDITED } }),
    );
  });
});

// Small chunks so edits land inside a worker's chunk and on the seams between chunks: every
// verdict must be the one-thread walk's (verify() compares the two), seq, wording and count.
const SMALL = { chunkRows: 10_000, workers: 2 };
const START = 5 * SMALL.chunkRows + 1; // the first seq of chunk 5
const END = START - 1; // the last seq of chunk 4

describe("log verify's chunks: edits inside a chunk and on its boundaries (issue 15)", () => {
  const check = (seqs: number[], statements: string, expected: unknown) =>
    tampered(seqs, statements, () => expect(verify(undefined, SMALL)).toEqual(expected));
  const edited = (seq: number) => ({ ok: false, checked: seq - 1, firstBad: { seq, problem: EDITED } });

  it("an edited row in the middle of a chunk", () => {
    check(
      [START + 4321],
      `UPDATE audit_events SET reason = 'tampered' WHERE seq = ${START + 4321}`,
      edited(START + 4321),
    );
  });

  it("an edited first row and an edited last row of a chunk", () => {
    check([START], `UPDATE audit_events SET door = 'other' WHERE seq = ${START}`, edited(START));
    check([END], `UPDATE audit_events SET ts_ms = ts_ms - 1 WHERE seq = ${END}`, edited(END));
  });

  it("a row relinked (its prev_hash changed, its hash recomputed) in a chunk or first in one", () => {
    for (const seq of [START + 777, START]) relinked(seq);
  });

  function relinked(seq: number): void {
    const db = new Database(dbPath, { readonly: true });
    const row = db.prepare("SELECT * FROM audit_events WHERE seq = ?").get(seq) as Record<string, unknown>;
    db.close();
    const forged = { ...row, prev_hash: "f".repeat(64) } as Parameters<typeof rowHash>[0];
    check(
      [seq],
      `UPDATE audit_events SET prev_hash = '${"f".repeat(64)}', hash = '${rowHash(forged)}' WHERE seq = ${seq}`,
      {
        ok: false,
        checked: seq - 1,
        firstBad: { seq, problem: "does not link to the row before it (deleted or reordered)" },
      },
    );
  }

  it("the first or the last row of a chunk deleted, or the whole chunk", () => {
    check([START], `DELETE FROM audit_events WHERE seq = ${START}`, {
      ok: false,
      checked: START - 1,
      firstBad: { seq: START + 1, problem: `row ${START} is missing` },
    });
    check([END], `DELETE FROM audit_events WHERE seq = ${END}`, {
      ok: false,
      checked: END - 1,
      firstBad: { seq: START, problem: `row ${END} is missing` },
    });
    const whole = Array.from({ length: SMALL.chunkRows }, (_, i) => START + i);
    check(whole, `DELETE FROM audit_events WHERE seq BETWEEN ${START} AND ${START + SMALL.chunkRows - 1}`, {
      ok: false,
      checked: START - 1,
      firstBad: {
        seq: START + SMALL.chunkRows,
        problem: `row ${START}..${START + SMALL.chunkRows - 1} is missing`,
      },
    });
  });

  it("the newest rows deleted (only a signed head can tell): the rest verifies", () => {
    const tail = [ROWS - 2, ROWS - 1, ROWS];
    check(tail, `DELETE FROM audit_events WHERE seq > ${ROWS - 3}`, { ok: true, checked: ROWS - 3 });
  });

  it("rows SQLite cannot write as JSON.stringify does are hashed the one-thread way", () => {
    const db = new Database(dbPath, { readonly: true });
    const last = db.prepare("SELECT * FROM audit_events WHERE seq = ?").get(ROWS) as Record<string, unknown>;
    db.close();
    // A REAL timestamp hashed as JavaScript reads it: intact for the one-thread walk, so for the workers.
    const real = { ...last, ts_ms: 1_700_000_000_000.5 } as Parameters<typeof rowHash>[0];
    check(
      [ROWS],
      `UPDATE audit_events SET ts_ms = 1700000000000.5, hash = '${rowHash(real)}' WHERE seq = ${ROWS}`,
      {
        ok: true,
        checked: ROWS,
      },
    );
    // An integer beyond 2^53, hashed as JavaScript reads it (rounded): SQLite writes it exactly.
    const big = { ...last, ts_ms: 9_007_199_254_740_992 } as Parameters<typeof rowHash>[0];
    check(
      [ROWS],
      `UPDATE audit_events SET ts_ms = 9007199254740993, hash = '${rowHash(big)}' WHERE seq = ${ROWS}`,
      {
        ok: true,
        checked: ROWS,
      },
    );
    // The same text as a BLOB: JavaScript reads a Buffer, whose JSON is not the hashed text.
    check([START], `UPDATE audit_events SET door = CAST(door AS BLOB) WHERE seq = ${START}`, edited(START));
    check([START], `UPDATE audit_events SET ts_ms = ts_ms + 0.5 WHERE seq = ${START}`, edited(START));
  });
});

describe("log verify's chunks after a retention purge (issue 15)", () => {
  const PURGED = 25_000; // the chunks then start at seq 25,001: their seams move with the checkpoint

  /** Purges rows 1..PURGED as AuditRetention does (the chained purge row only with `chained`), runs `check`, puts the log back. */
  function purged(chained: boolean, check: () => void): void {
    const read = new Database(dbPath, { readonly: true });
    const saved = read.prepare("SELECT * FROM audit_events WHERE seq <= ?").all(PURGED) as object[];
    const through = saved[saved.length - 1] as { seq: number; hash: string; ts_ms: number };
    read.close();
    const db = openDatabase(dbPath);
    db.prepare("DELETE FROM audit_events WHERE seq <= ?").run(PURGED);
    db.prepare(
      "INSERT INTO audit_checkpoints (through_seq, through_hash, purged_rows, created_ms) VALUES (?, ?, ?, 0)",
    ).run(through.seq, through.hash, PURGED);
    if (chained) {
      const detail = {
        purged_rows: PURGED,
        through_seq: through.seq,
        through_hash: through.hash,
        through_ts_ms: through.ts_ms,
        retention_days: 30,
      };
      new AuditLog(db, "records-room").append(
        { kind: "system", reason: "retention_purge", detail },
        1_700_000_000_000 + ROWS * 1000 + 31 * 86_400_000,
      );
    }
    checkpointAndTruncateWal(db);
    db.close();
    try {
      check();
    } finally {
      const restore = new Database(dbPath);
      restore.exec(`DELETE FROM audit_checkpoints; DELETE FROM audit_events WHERE seq > ${ROWS}`);
      const put = restore.prepare(
        `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
         VALUES (@seq, @ts_ms, @door, @kind, @credential, @outcome, @reason, @user_code, @detail, @prev_hash, @hash)`,
      );
      restore.transaction(() => {
        for (const row of saved) put.run(row);
      })();
      restore.pragma("wal_checkpoint(TRUNCATE)");
      restore.close();
    }
  }

  it("a real purge verifies from its checkpoint, the purge row found by a worker", () => {
    purged(true, () => expect(verify(undefined, SMALL)).toEqual({ ok: true, checked: ROWS - PURGED + 1 }));
  });

  it("a checkpoint with no chained purge row is refused, as by the one-thread walk", () => {
    purged(false, () =>
      expect(verify(undefined, SMALL)).toEqual({
        ok: false,
        checked: ROWS - PURGED,
        firstBad: {
          seq: ROWS + 1,
          problem: `checkpoint through row ${PURGED} has no matching retention_purge row in the log (forged checkpoint: rows 1..${PURGED} deleted)`,
        },
      }),
    );
  });
});
