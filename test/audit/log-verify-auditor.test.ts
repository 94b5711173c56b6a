import { execFileSync } from "node:child_process";
import { createPublicKey, generateKeyPairSync } from "node:crypto";
import { existsSync, readdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, describe, expect, it } from "vitest";
import { rowHash } from "../../src/audit/audit-log.js";
import { signMessage, verifyEnvelope } from "../../src/mqtt/signed-envelope.js";
import { cli, writeConfig } from "../helpers/cli.js";
import { type Harness, startHarness, tempDir } from "../helpers/harness.js";

// The auditor's tampering, as in issue 10: plain SQL run against the database file while the
// service is stopped, then `doorward log verify`.
let h: Harness | undefined;
afterEach(async () => {
  await h?.app.stop();
  h = undefined;
});

const DAY = 86_400_000;

/** A stopped controller with some history; returns its config and database path. */
async function stoppedControllerWithHistory(overrides: Record<string, unknown> = {}) {
  h = await startHarness(overrides);
  h.addUserWithPin("alice", "1234");
  for (let i = 0; i < 3; i++) {
    await h.type("1234#");
    await h.clock.advance(6000);
    await h.type("9999#");
  }
  const harness = h;
  const config = writeConfig(tempDir(), harness.settings.data_dir);
  const dbPath = join(harness.settings.data_dir, "doorward.db");
  return {
    harness,
    config,
    dbPath,
    /** Stops the service so the file can be edited as an auditor would. */
    async stop() {
      await harness.app.stop();
      h = undefined;
    },
  };
}

const sql = (dbPath: string, statement: string) => execFileSync("sqlite3", [dbPath, statement]);
const one = <T>(dbPath: string, query: string): T => {
  const db = new Database(dbPath, { readonly: true });
  try {
    return db.prepare(query).get() as T;
  } finally {
    db.close();
  }
};

describe("log verify never creates anything (issue 10 item 5)", () => {
  it("in a folder with no database: exit 1 naming the path, and no database or secret.key appears", async () => {
    const dir = tempDir();
    const dataDir = join(dir, "data");
    const config = join(dir, "config.yaml");
    writeFileSync(config, `data_dir: ${dataDir}\n`);
    const r = await cli(["log", "verify", "--config", config]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(join(dataDir, "doorward.db"));
    expect(r.stdout).not.toContain("ok");
    expect(existsSync(dataDir)).toBe(false);
    expect(readdirSync(dir)).toEqual(["config.yaml"]);
  });

  it("opens an existing database read-only: no file under data_dir is created or changed", async () => {
    const c = await stoppedControllerWithHistory();
    await c.stop();
    const dataDir = c.harness.settings.data_dir;
    const snapshot = () =>
      readdirSync(dataDir).map((f) => [
        f,
        statSync(join(dataDir, f)).size,
        statSync(join(dataDir, f)).mtimeMs,
      ]);
    const before = snapshot();
    expect((await cli(["log", "verify", "--config", c.config])).code).toBe(0);
    expect(snapshot()).toEqual(before);
  });
});

describe("an emptied log fails verify (issue 10 item 5)", () => {
  it("delete from audit_events, checkpoints kept", async () => {
    const c = await stoppedControllerWithHistory();
    await c.stop();
    sql(c.dbPath, "delete from audit_events");
    const r = await cli(["log", "verify", "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TAMPERED: .*the log is empty/);
  });

  it("delete from audit_events and from audit_checkpoints", async () => {
    const c = await stoppedControllerWithHistory({ policy: { retention_days: 30 } });
    c.harness.app.services.policy.retention.purge(c.harness.clock.now() + 40 * DAY);
    await c.stop();
    sql(c.dbPath, "delete from audit_events; delete from audit_checkpoints");
    const r = await cli(["log", "verify", "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("TAMPERED");
  });

  it("a prefix deleted together with every checkpoint: the first row does not follow the genesis", async () => {
    const c = await stoppedControllerWithHistory({ policy: { retention_days: 30 } });
    c.harness.app.services.policy.retention.purge(c.harness.clock.now() + 40 * DAY);
    await c.stop();
    const first = one<{ seq: number }>(c.dbPath, "select min(seq) as seq from audit_events").seq;
    sql(c.dbPath, `delete from audit_events where seq <= ${first}; delete from audit_checkpoints`);
    const r = await cli(["log", "verify", "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/TAMPERED: row \d+: row 1\.\.\d+ is missing/);
  });
});

describe("a checkpoint counts only with its chained retention_purge row (issue 10 item 6)", () => {
  it("refuses the forged checkpoint of the issue", async () => {
    const c = await stoppedControllerWithHistory();
    await c.stop();
    const row5 = one<{ hash: string }>(c.dbPath, "select hash from audit_events where seq = 5");
    sql(
      c.dbPath,
      `delete from audit_events where seq<=5; insert into audit_checkpoints(through_seq, through_hash, purged_rows, created_ms) values (5, '${row5.hash}', 5, 0)`,
    );
    const r = await cli(["log", "verify", "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("checkpoint through row 5 has no matching retention_purge row");
  });

  it("refuses a checkpoint whose purge row disagrees with it (count)", async () => {
    const c = await stoppedControllerWithHistory({ policy: { retention_days: 30 } });
    const { throughSeq } = c.harness.app.services.policy.retention.purge(c.harness.clock.now() + 40 * DAY);
    await c.stop();
    expect((await cli(["log", "verify", "--config", c.config])).code).toBe(0);
    sql(
      c.dbPath,
      `update audit_checkpoints set purged_rows = purged_rows + 1 where through_seq = ${throughSeq}`,
    );
    const r = await cli(["log", "verify", "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`checkpoint through row ${throughSeq} has no matching retention_purge row`);
  });

  it("refuses a purge of rows younger than the retention period, even with a chained purge row", async () => {
    const c = await stoppedControllerWithHistory({ policy: { retention_days: 30 } });
    const { db, audit } = c.harness.app.services;
    // Someone able to append chained rows (the service's own code path) purges rows of today.
    const row3 = db.prepare("select hash, ts_ms from audit_events where seq = 3").get() as {
      hash: string;
      ts_ms: number;
    };
    db.prepare("delete from audit_events where seq <= 3").run();
    db.prepare(
      "insert into audit_checkpoints(through_seq, through_hash, purged_rows, created_ms) values (3, ?, 3, ?)",
    ).run(row3.hash, c.harness.clock.now());
    audit.append(
      {
        kind: "system",
        reason: "retention_purge",
        detail: {
          purged_rows: 3,
          through_seq: 3,
          through_hash: row3.hash,
          through_ts_ms: row3.ts_ms,
          retention_days: 30,
        },
      },
      c.harness.clock.now() + DAY,
    );
    await c.stop();
    const r = await cli(["log", "verify", "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("removed rows younger than its retention period (30 days)");
  });

  it("a real purge (checkpoint and its row in one transaction) still verifies", async () => {
    const c = await stoppedControllerWithHistory({ policy: { retention_days: 30 } });
    const { purgedRows } = c.harness.app.services.policy.retention.purge(c.harness.clock.now() + 40 * DAY);
    expect(purgedRows).toBeGreaterThan(0);
    await c.stop();
    const r = await cli(["log", "verify", "--config", c.config]);
    expect(r.stdout).toMatch(/^ok: \d+ rows, chain intact/);
    expect(r.code).toBe(0);
  });
});

describe("signed chain head (issue 10 item 7)", () => {
  async function keptHead() {
    const c = await stoppedControllerWithHistory();
    const head = await cli(["log", "head", "--config", c.config]);
    expect(head.code, head.stderr).toBe(0);
    const file = join(tempDir(), "head.json");
    writeFileSync(file, head.stdout);
    return { ...c, head: head.stdout.trim(), file };
  }

  it("log head prints {door, seq, hash, ts} signed with the key that `doorward keys` prints", async () => {
    const c = await keptHead();
    const keys = await cli(["keys", "--config", c.config]);
    expect(keys.code).toBe(0);
    expect(keys.stdout).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    const verified = verifyEnvelope(c.head, createPublicKey(keys.stdout));
    expect(verified.ok).toBe(true);
    const last = c.harness.app.services.audit.last();
    expect(verified.ok && verified.body).toMatchObject({
      type: "head",
      door: "records-room",
      seq: last?.seq,
      hash: last?.hash,
      ts: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T/),
    });
    // The device key was made at first start, next to secret.key, readable by the owner only.
    expect(statSync(join(c.harness.settings.data_dir, "device.key")).mode & 0o777).toBe(0o600);
  });

  it("verify --head passes on the same log, and after more rows", async () => {
    const c = await keptHead();
    await c.harness.type("1234#");
    const r = await cli(["log", "verify", "--head", c.file, "--config", c.config]);
    expect(r.stdout).toMatch(/signed head at row \d+ matches/);
    expect(r.code).toBe(0);
  });

  it("the newest rows cut: the chain alone passes, the head names the missing seq", async () => {
    const c = await keptHead();
    await c.stop();
    const { seq } = JSON.parse(JSON.parse(c.head).body) as { seq: number };
    sql(c.dbPath, `delete from audit_events where seq >= ${seq - 2}`);
    expect((await cli(["log", "verify", "--config", c.config])).code).toBe(0); // the known limit
    const r = await cli(["log", "verify", "--head", c.file, "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(`TAMPERED: row ${seq}: the head's row is missing (the log was cut)`);
  });

  it("the tail rewritten with recomputed hashes: the head no longer matches", async () => {
    const c = await keptHead();
    await c.stop();
    const db = new Database(c.dbPath);
    const rows = db.prepare("select * from audit_events where seq >= 6 order by seq").all() as Array<
      Record<string, unknown> & { seq: number; prev_hash: string; hash: string }
    >;
    let prev = (db.prepare("select hash from audit_events where seq = 5").get() as { hash: string }).hash;
    for (const row of rows) {
      const { hash: _old, ...rest } = row;
      const edited = {
        ...rest,
        prev_hash: prev,
        outcome: row.outcome === "denied" ? "granted" : row.outcome,
      };
      const hash = rowHash(edited as never);
      db.prepare("update audit_events set outcome = ?, prev_hash = ?, hash = ? where seq = ?").run(
        edited.outcome,
        prev,
        hash,
        row.seq,
      );
      prev = hash;
    }
    db.close();
    expect((await cli(["log", "verify", "--config", c.config])).code).toBe(0); // the chain is consistent
    const r = await cli(["log", "verify", "--head", c.file, "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(
      /TAMPERED: row \d+: the log no longer holds the head's row \(rewritten or replaced\)/,
    );
  });

  it("a head whose row a retention purge later took still verifies, through the checked checkpoint", async () => {
    const c = await keptHead();
    await c.harness.type("1234#"); // the head's row is no longer the newest, so it can be purged
    const retention = c.harness.app.services.policy.retention;
    expect(retention.purge(c.harness.clock.now() + 400 * DAY).purgedRows).toBeGreaterThan(0);
    const r = await cli(["log", "verify", "--head", c.file, "--config", c.config]);
    expect(r.stdout).toMatch(/purged by retention/);
    expect(r.code).toBe(0);
  });

  it("a head signed by another key is refused", async () => {
    const c = await keptHead();
    const body = JSON.parse(JSON.parse(c.head).body);
    const forged = signMessage(body, generateKeyPairSync("ed25519").privateKey);
    writeFileSync(c.file, forged);
    const r = await cli(["log", "verify", "--head", c.file, "--config", c.config]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("signature does not verify with this device's key");
  });
});
