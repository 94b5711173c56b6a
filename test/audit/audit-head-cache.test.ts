import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

/**
 * A lone row is inserted chained to the head this connection committed last, without reading the
 * head again (AuditLog.appendOne, issue 15). These are the ways that head could be wrong, and what
 * must happen in each: the chain stays whole, or a tampered tail shows.
 */
function twoConnections() {
  const path = join(tempDir(), "doorward.db");
  const serviceDb = openDatabase(path);
  const cliDb = openDatabase(path);
  return {
    serviceDb,
    cliDb,
    service: new AuditLog(serviceDb, "records-room"),
    cli: new AuditLog(cliDb, "records-room"),
    close() {
      cliDb.close();
      serviceDb.close();
    },
  };
}

const grant = { kind: "access", reason: "granted", credential: "pin", outcome: "granted" } as const;

describe("AuditLog: a lone row chained to the head this connection committed", () => {
  it("a row the CLI appended from another process in between is neither overwritten nor skipped", () => {
    const t = twoConnections();
    const first = t.service.append(grant, 1);
    const cliRow = t.cli.append({ kind: "system", reason: "user_added" }, 2);
    const next = t.service.append(grant, 3);
    expect([first.seq, cliRow.seq, next.seq]).toEqual([1, 2, 3]);
    expect(next.prevHash).toBe(cliRow.hash);
    expect(t.service.verify()).toEqual({ ok: true, checked: 3 });
    // And on: the head taken from the transaction that re-read it.
    expect(t.service.append(grant, 4).prevHash).toBe(next.hash);
    expect(t.service.verify()).toEqual({ ok: true, checked: 4 });
    t.close();
  });

  it("rows of a transaction that rolled back are never chained to", () => {
    const t = twoConnections();
    const first = t.service.append(grant, 1);
    expect(() =>
      t.service.atomically(() => {
        t.service.append({ kind: "system", reason: "mode_changed" }, 2);
        throw new Error("the change failed");
      }),
    ).toThrow("the change failed");
    // The same through a plain transaction of the connection (a store change with its row).
    expect(() =>
      t.serviceDb.transaction(() => {
        t.service.append({ kind: "system", reason: "user_added" }, 3);
        throw new Error("constraint");
      })(),
    ).toThrow("constraint");
    const next = t.service.append(grant, 4);
    expect(next.seq).toBe(2);
    expect(next.prevHash).toBe(first.hash);
    expect(t.service.verify()).toEqual({ ok: true, checked: 2 });
    t.close();
  });

  it("a row that cannot be written leaves the head unknown, and the next row is still chained right", () => {
    const t = twoConnections();
    const first = t.service.append(grant, 1);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => t.service.append({ ...grant, detail: circular }, 2)).toThrow();
    const next = t.service.append(grant, 3);
    expect([next.seq, next.prevHash]).toEqual([2, first.hash]);
    expect(t.service.verify()).toEqual({ ok: true, checked: 2 });
    t.close();
  });

  it("the newest row deleted behind the service's back shows as a break, not as a reused seq", () => {
    const t = twoConnections();
    t.service.append(grant, 1);
    t.service.append({ ...grant, userCode: "u-SECOND" }, 2);
    t.cliDb.prepare("DELETE FROM audit_events WHERE seq = 2").run();
    const next = t.service.append(grant, 3);
    // Re-reading the head would have given seq 2 chained to row 1: the deletion would not show.
    expect(next.seq).toBe(3);
    expect(t.service.verify().ok).toBe(false);
    t.close();
  });
});
