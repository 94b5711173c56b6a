import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditLog, GENESIS_HASH, rowHash } from "../../src/audit/audit-log.js";
import { PARALLEL_FROM_ROWS, startHashCheck } from "../../src/audit/chain-hash-workers.js";
import { PROGRESS_EVERY_ROWS, type VerifyProgress, verifyChain } from "../../src/audit/chain-verify.js";
import { openDatabase, openDatabaseReadOnly } from "../../src/store/open-database.js";
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
function verify(onProgress?: (p: VerifyProgress) => void) {
  const db = openDatabaseReadOnly(dbPath);
  try {
    const parallel = new AuditLog(db, "records-room").verify(onProgress);
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
    // The worker threads open the same file (null: they ran and found no edit; undefined: they failed).
    expect(startHashCheck(db.name, 1, ROWS)?.wait(() => {})).toBeNull();
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
