import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

function freshLog() {
  const db = openDatabase(join(tempDir(), "doorward.db"));
  return { db, audit: new AuditLog(db, "records-room") };
}

describe("AuditLog.appendAll: a decision and its alarm in one transaction", () => {
  it("chains the rows in order, each linked to the one before", () => {
    const { db, audit } = freshLog();
    audit.append({ kind: "system", reason: "controller_started" }, 1);
    const records = audit.appendAll(
      [
        { kind: "access", reason: "granted", credential: "pin", outcome: "granted", userCode: "u-AAAAAA" },
        { kind: "system", reason: "duress", credential: "pin", userCode: "u-AAAAAA" },
      ],
      2,
    );
    expect(records.map((r) => [r.seq, r.reason])).toEqual([
      [2, "granted"],
      [3, "duress"],
    ]);
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
    expect(audit.verify()).toEqual({ ok: true, checked: 3 });
    db.close();
  });

  it("a failure writing the alarm leaves neither row: never a grant without its duress row", () => {
    const { db, audit } = freshLog();
    audit.append({ kind: "system", reason: "controller_started" }, 1);
    // A CHECK-free way to make the second insert fail inside the transaction: a detail that
    // cannot be serialised throws between the two inserts, as a crash or I/O error would.
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() =>
      audit.appendAll(
        [
          { kind: "access", reason: "granted", credential: "pin", outcome: "granted", userCode: "u-AAAAAA" },
          { kind: "system", reason: "duress", detail: circular },
        ],
        2,
      ),
    ).toThrow();
    expect(audit.tail(10).map((r) => r.reason)).toEqual(["controller_started"]);
    db.close();
  });

  it("observers hear the rows only after the commit, in order", () => {
    const { db, audit } = freshLog();
    const heard: string[] = [];
    audit.onAppend((r) => heard.push(`${r.seq}:${r.reason}:${audit.last()?.seq}`));
    audit.appendAll(
      [
        { kind: "access", reason: "locked_out", credential: "pin", outcome: "denied" },
        { kind: "system", reason: "duress", credential: "pin", userCode: "u-AAAAAA" },
      ],
      5,
    );
    // When the first observer call runs, both rows are already committed (last seq is 2).
    expect(heard).toEqual(["1:locked_out:2", "2:duress:2"]);
    db.close();
  });
});
