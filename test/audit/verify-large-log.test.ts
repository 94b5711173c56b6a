import { join } from "node:path";
import Database from "better-sqlite3";
import { beforeAll, describe, expect, it } from "vitest";
import { AuditLog, GENESIS_HASH, rowHash } from "../../src/audit/audit-log.js";
import { PROGRESS_EVERY_ROWS, type VerifyProgress } from "../../src/audit/chain-verify.js";
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
    return new AuditLog(db, "records-room").verify(onProgress);
  } finally {
    db.close();
  }
}

function edit(statement: string): void {
  const db = new Database(dbPath);
  try {
    db.exec(statement);
    db.pragma("wal_checkpoint(TRUNCATE)");
  } finally {
    db.close();
  }
}

describe("log verify on a large-ish log (issue 15 item 4)", () => {
  it("reads the stopped service's file in place (not a copy in memory) and reports progress", () => {
    const db = openDatabaseReadOnly(dbPath);
    expect(db.memory).toBe(false);
    db.close();
    const seen: VerifyProgress[] = [];
    expect(verify((p) => seen.push(p))).toEqual({ ok: true, checked: ROWS });
    expect(seen).toEqual([1, 2, 3].map((n) => ({ checked: n * PROGRESS_EVERY_ROWS, total: ROWS })));
  });

  it("an edited row deep in the log is named, with the intact rows before it", () => {
    const seq = 2 * PROGRESS_EVERY_ROWS + 17;
    edit(`UPDATE audit_events SET user_code = 'u-INTRUDER' WHERE seq = ${seq}`);
    expect(verify()).toEqual({
      ok: false,
      checked: seq - 1,
      firstBad: { seq, problem: "content does not match its hash (edited)" },
    });
  });

  it("an edited detail (JSON with non-ASCII text) is named too", () => {
    edit("UPDATE audit_events SET detail = replace(detail, 'badge', 'pin') WHERE seq = 11");
    expect(verify().firstBad).toEqual({ seq: 11, problem: "content does not match its hash (edited)" });
  });
});
