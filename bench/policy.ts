/**
 * Decision time with the records-room policy vs the plain path, on a database of 100,000
 * users, 50 schedules and 1,000 holidays. Every side hashes the typed PIN, looks its holder
 * up with one indexed query and calls decide(); what differs:
 * - plain: the decision path as AccessService runs it with no PolicyEngine (policy disabled):
 *   `UserStore.findByPin` (the same store code as the policy side) + `decide()` with no policy
 *   context. This is the side the ratio is taken against.
 * - legacy: the floor, the query the door ran before migration 4 existed (the original user
 *   columns only, `kind = 'pin'`, no duress, no policy columns) + `decide()` with no policy.
 *   Reported so a gain on "plain" cannot hide a slower store.
 * - policy: `UserStore.findByPin` + `PolicyEngine.context()` (revision check, local time) +
 *   `decide()` with schedules, agreement and mode (Europe/Berlin, require_schedule and
 *   require_agreement on, every user assigned one or two schedules).
 * Run alone: `node --import tsx bench/policy.ts`.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decide } from "../src/access/decide.js";
import { PolicyEngine } from "../src/access/policy-engine.js";
import { parseSettings } from "../src/config/load-settings.js";
import { CredentialHasher } from "../src/secrets/credential-hasher.js";
import { openDatabase } from "../src/store/open-database.js";
import { PolicyStore } from "../src/store/policy-store.js";
import { UserStore } from "../src/store/user-store.js";

const USERS = 100_000;
const SCHEDULES = 50;
const HOLIDAYS = 1000;
const ATTEMPTS = 20_000;

export interface PolicyBenchResult {
  legacy_us: number;
  plain_us: number;
  policy_us: number;
  /** policy / plain: the "within 10% of the plain decision path". */
  ratio: number;
  /** policy / legacy: the stricter reading, against the pre-policy query. */
  ratio_legacy: number;
}

export async function benchPolicy(): Promise<PolicyBenchResult> {
  const dir = mkdtempSync(join(tmpdir(), "doorward-bench-"));
  const db = openDatabase(join(dir, "bench.db"));
  try {
    const hasher = new CredentialHasher(Buffer.alloc(32, 7));
    const users = new UserStore(db);
    const store = new PolicyStore(db);
    const now = Date.UTC(2026, 2, 30, 9, 0); // a Monday, 11:00 in Berlin
    db.transaction(() => {
      for (let s = 0; s < SCHEDULES; s++) {
        store.addSchedule(
          `s${s}`,
          [0, 1, 2, 3, 4].map((weekday) => ({ weekday, startMin: 420 + s, endMin: 1080 })),
          now,
        );
      }
      const ins = db.prepare(
        "INSERT INTO users (id, user_code, name, enabled, created_ms, agreement_until_ms) VALUES (?, ?, ?, 1, 0, ?)",
      );
      const cred = db.prepare(
        "INSERT INTO credentials (user_id, kind, lookup, created_ms) VALUES (?, 'pin', ?, 0)",
      );
      const sched = db.prepare("INSERT INTO user_schedules (user_id, schedule_id) VALUES (?, ?)");
      for (let i = 1; i <= USERS; i++) {
        ins.run(i, `u-${i}`, `user${i}`, now + 86_400_000);
        cred.run(i, hasher.hash("pin", String(10_000_000 + i)));
        sched.run(i, 1 + (i % SCHEDULES));
        if (i % 3 === 0) sched.run(i, 1 + ((i + 7) % SCHEDULES));
      }
      for (let d = 0; d < HOLIDAYS; d++) {
        store.addHoliday(new Date(Date.UTC(2000, 0, 1) + d * 86_400_000 * 9).toISOString().slice(0, 10), "");
      }
    })();
    // A site's database is checkpointed long before the door is busy; a fresh bulk load is not.
    db.pragma("wal_checkpoint(TRUNCATE)");
    const settings = parseSettings({
      policy: { timezone: "Europe/Berlin", require_schedule: true, require_agreement: true },
    });
    const engine = new PolicyEngine(store, settings.policy);
    // The floor: the lookup exactly as before migration 4 (migration 1's user columns).
    const legacyLookup = db.prepare<[string, string], { id: number }>(
      `SELECT u.id, u.user_code, u.name, u.enabled, u.valid_from_ms, u.valid_until_ms, u.created_ms
       FROM credentials c JOIN users u ON u.id = c.user_id WHERE c.kind = ? AND c.lookup = ?`,
    );
    const pins = Array.from({ length: ATTEMPTS }, (_, i) => String(10_000_000 + 1 + ((i * 7919) % USERS)));

    const legacy = () => {
      let granted = 0;
      for (let i = 0; i < ATTEMPTS; i++) {
        const row = legacyLookup.get("pin", hasher.hash("pin", pins[i] as string)) as
          | { user_code: string; enabled: number; valid_from_ms: null; valid_until_ms: null }
          | undefined;
        const user = row && {
          userCode: row.user_code,
          enabled: row.enabled === 1,
          validFromMs: null,
          validUntilMs: null,
        };
        const d = decide({ user: user as never }, { nowMs: now + i });
        if (d.outcome === "granted") granted++;
      }
      return granted;
    };
    // AccessService with no PolicyEngine: the same store call, decide() without a policy context.
    const plain = () => {
      let granted = 0;
      for (let i = 0; i < ATTEMPTS; i++) {
        const found = users.findByPin(hasher.hash("pin", pins[i] as string));
        const d = decide({ user: found?.user, duress: found?.duress }, { nowMs: now + i });
        if (d.outcome === "granted") granted++;
      }
      return granted;
    };
    const policy = () => {
      let granted = 0;
      for (let i = 0; i < ATTEMPTS; i++) {
        const found = users.findByPin(hasher.hash("pin", pins[i] as string));
        const d = decide(
          { user: found?.user, duress: found?.duress },
          { nowMs: now + i, policy: engine.context(now + i, found?.policyRevision) },
        );
        if (d.outcome === "granted") granted++;
      }
      return granted;
    };
    const time = (fn: () => number) => {
      const t = process.hrtime.bigint();
      const granted = fn();
      const us = Number(process.hrtime.bigint() - t) / 1000 / ATTEMPTS;
      if (granted === 0) throw new Error("benchmark granted nobody: the fixture is wrong");
      return us;
    };
    // Warm up both, then alternate rounds and keep the best of each (less noise on shared CPUs).
    legacy();
    plain();
    policy();
    let legacyUs = Number.POSITIVE_INFINITY;
    let plainUs = Number.POSITIVE_INFINITY;
    let policyUs = Number.POSITIVE_INFINITY;
    for (let round = 0; round < 5; round++) {
      legacyUs = Math.min(legacyUs, time(legacy));
      plainUs = Math.min(plainUs, time(plain));
      policyUs = Math.min(policyUs, time(policy));
    }
    const result = {
      legacy_us: round2(legacyUs),
      plain_us: round2(plainUs),
      policy_us: round2(policyUs),
      ratio: round2(policyUs / plainUs),
      ratio_legacy: round2(policyUs / legacyUs),
    };
    console.log(
      `policy decision: ${result.policy_us} µs vs plain ${result.plain_us} µs per attempt (ratio ${result.ratio}, target <= 1.10); pre-policy query ${result.legacy_us} µs (ratio ${result.ratio_legacy}) — ${USERS} users, ${SCHEDULES} schedules, ${HOLIDAYS} holidays`,
    );
    return result;
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round2 = (n: number) => Math.round(n * 100) / 100;

if (import.meta.url === `file://${process.argv[1]}`) await benchPolicy();
