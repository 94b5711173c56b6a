import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { AuditLog } from "../../src/audit/audit-log.js";
import { openDatabase } from "../../src/store/open-database.js";
import { tempDir } from "../helpers/harness.js";

describe("kill -9 between the log write and the pulse", () => {
  it("leaves the attempt committed in the log, with an intact chain", () => {
    const dataDir = tempDir();
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "test/fixtures/crash-at-pulse.ts", dataDir],
      {
        encoding: "utf8",
        timeout: 30_000,
      },
    );
    expect(child.signal).toBe("SIGKILL");
    expect(child.stdout).not.toContain("survived");
    const userCode = child.stdout.trim().split("\n")[0];
    const db = openDatabase(join(dataDir, "doorward.db"));
    const audit = new AuditLog(db, "records-room");
    expect(audit.last()).toMatchObject({ kind: "access", outcome: "granted", reason: "granted", userCode });
    expect(audit.verify()).toMatchObject({ ok: true });
    db.close();
  });

  it("with a duress PIN, the grant and its silent alarm are both committed before the relay moves", () => {
    const dataDir = tempDir();
    const child = spawnSync(
      process.execPath,
      ["--import", "tsx", "test/fixtures/crash-at-pulse.ts", dataDir, "duress"],
      { encoding: "utf8", timeout: 30_000 },
    );
    expect(child.signal).toBe("SIGKILL");
    const userCode = child.stdout.trim().split("\n")[0];
    const db = openDatabase(join(dataDir, "doorward.db"));
    const audit = new AuditLog(db, "records-room");
    expect(audit.tail(2)).toMatchObject([
      { kind: "access", outcome: "granted", reason: "granted", userCode },
      { kind: "system", reason: "duress", credential: "pin", userCode },
    ]);
    expect(audit.verify()).toMatchObject({ ok: true });
    db.close();
  });
});
