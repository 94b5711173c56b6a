/**
 * An admin change with its audit row in one transaction (issue 10.15) against the former two
 * commits (the change, then the row), next to the bare fsync'd insert of the same run. One
 * commit is one fsync of the WAL, so the atomic change should cost about one bare insert, and
 * the two-commit form about two. Samples are interleaved so machine load hits each alike.
 * Run alone: `node --import tsx bench/admin-change.ts`.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { systemClock } from "../devices/system-clock.js";
import { AdminService } from "../src/admin/admin-service.js";
import { AuditLog } from "../src/audit/audit-log.js";
import { CredentialHasher } from "../src/secrets/credential-hasher.js";
import { openDatabase } from "../src/store/open-database.js";
import { UserStore } from "../src/store/user-store.js";
import { isMain, percentile, round } from "./stats.js";

const SAMPLES = 60;

export async function benchAdminChange(): Promise<Record<string, number | string>> {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), "doorward-bench-")), "doorward.db"));
  db.exec("CREATE TABLE bare (v TEXT)");
  const bare = db.prepare("INSERT INTO bare (v) VALUES (?)");
  const users = new UserStore(db);
  const audit = new AuditLog(db, "bench");
  const admin = new AdminService(
    users,
    new CredentialHasher(Buffer.alloc(32)),
    audit,
    systemClock,
    "os:bench",
    {
      minLength: 4,
      maxLength: 8,
    },
  );
  const user = users.add("bench person", systemClock.now());
  const samples = { bare: [] as number[], atomic: [] as number[], twoCommits: [] as number[] };
  const time = (fn: () => void) => {
    const t = performance.now();
    fn();
    return performance.now() - t;
  };
  for (let i = 0; i < SAMPLES; i++) {
    samples.bare.push(time(() => bare.run(String(i))));
    samples.atomic.push(time(() => admin.setEnabled(user.userCode, i % 2 === 0)));
    samples.twoCommits.push(
      time(() => {
        users.setEnabled(user.id, i % 2 === 1);
        audit.append({ kind: "system", reason: "user_enabled", userCode: user.userCode }, systemClock.now());
      }),
    );
  }
  db.close();
  const p = (s: number[], q: number) => round(percentile(s, q));
  return {
    "bare fsync'd insert p50 ms": p(samples.bare, 50),
    "admin change + row, one transaction p50 ms": p(samples.atomic, 50),
    "admin change + row, one transaction p99 ms": p(samples.atomic, 99),
    "change, then row (two commits, before) p50 ms": p(samples.twoCommits, 50),
    "change, then row (two commits, before) p99 ms": p(samples.twoCommits, 99),
  };
}

if (isMain(import.meta.url)) console.table(await benchAdminChange());
