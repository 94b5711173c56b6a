import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { GENESIS_HASH, rowHash } from "../../../src/audit/audit-log.js";
import { PARALLEL_FROM_ROWS } from "../../../src/audit/chain-chunk-workers.js";
import { LogVerifyJob } from "../../../src/audit/log-verify-job.js";
import type { Db } from "../../../src/store/open-database.js";
import { ApiClient, startWebHarness, type WebHarness } from "./web-harness.js";

// The admin page's "verify" used to walk the log on the service's event loop: on a
// 10,000,000-row log nothing else ran for the whole walk, not even a keypad attempt (issue 15).
let w: WebHarness | undefined;
afterEach(async () => {
  await w?.stop();
  w = undefined;
});

const LARGE = PARALLEL_FROM_ROWS + 20_000;
let rows: Array<[number, number, string, string, string | null, string | null, string, string | null]>;

beforeAll(() => {
  rows = Array.from({ length: LARGE }, (_, i) => [
    i + 1,
    1_700_000_000_000 + i,
    "records-room",
    "access",
    "pin",
    i % 5 ? "granted" : "denied",
    i % 5 ? "granted" : "unknown_credential",
    i % 5 ? `u-${i % 997}` : null,
  ]);
});

/** Appends LARGE chained rows after the log's head, as years of attempts would have. */
function growLog(db: Db): void {
  const head = db.prepare("SELECT seq, hash FROM audit_events ORDER BY seq DESC LIMIT 1").get() as
    | { seq: number; hash: string }
    | undefined;
  const insert = db.prepare(
    `INSERT INTO audit_events (seq, ts_ms, door, kind, credential, outcome, reason, user_code, detail, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL, ?, ?)`,
  );
  let prev = head?.hash ?? GENESIS_HASH;
  const base = head?.seq ?? 0;
  db.transaction(() => {
    for (const [n, ts_ms, door, kind, credential, outcome, reason, user_code] of rows) {
      const r = { seq: base + n, ts_ms, door, kind, credential, outcome, reason, user_code, detail: null };
      const hash = rowHash({
        ...r,
        kind: "access",
        credential: "pin",
        outcome: outcome as "granted",
        prev_hash: prev,
      });
      insert.run(r.seq, ts_ms, door, kind, credential, outcome, reason, user_code, prev, hash);
      prev = hash;
    }
  })();
}

const macrotask = () => new Promise((resolve) => setImmediate(resolve));

describe("the admin page's log verify runs off the service's event loop (issue 15)", {
  timeout: 120_000,
}, () => {
  it("while a large log is checked, a keypad attempt is decided and a GET is answered", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    growLog(w.app.services.db);
    const order: string[] = [];
    const verifying = c
      .request("GET", "/api/log/verify")
      .then((res) => res.json())
      .then((json) => {
        order.push("verify answered");
        return json as { ok: boolean; checked: number };
      });
    // The check has started (the status says so) before the door is used.
    for (let polls = 0; ; polls++) {
      const status = await c.request("GET", "/api/log/verify/status");
      if (((await status.json()) as { running?: boolean }).running) break;
      if (polls > 2000) throw new Error(`the check never showed as running (status ${status.status})`);
      await macrotask();
    }
    await w.type("9999#");
    expect(w.app.services.audit.last()?.reason).toBe("unknown_credential");
    order.push("keypad decided");
    const status = await c.request("GET", "/api/status");
    expect(status.status).toBe(200);
    order.push("status answered");
    const progress = (await (await c.request("GET", "/api/log/verify/status")).json()) as {
      running: boolean;
    };
    expect(progress).toMatchObject({ running: true });
    const result = await verifying;
    expect(order).toEqual(["keypad decided", "status answered", "verify answered"]);
    expect(result.ok).toBe(true);
    expect(result.checked).toBeGreaterThan(LARGE);
    const after = (await (await c.request("GET", "/api/log/verify/status")).json()) as Record<
      string,
      unknown
    >;
    expect(after).toMatchObject({ running: false, result });
  });

  it("a second verify while one runs joins it: one check, the same answer for both", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    growLog(w.app.services.db);
    const [a, b] = await Promise.all([
      c.request("GET", "/api/log/verify").then((r) => r.json()),
      c.request("GET", "/api/log/verify").then((r) => r.json()),
    ]);
    expect(a).toMatchObject({ ok: true });
    expect(b).toEqual(a);

    const job = new LogVerifyJob(w.app.services.db);
    const first = job.run();
    expect(job.run()).toBe(first);
    expect(job.started).toBe(1);
    expect(await first).toEqual(a);
    // Once it has answered, the next request starts a new check (the log may have changed).
    await job.run();
    expect(job.started).toBe(2);
  });

  it("an edited row in the running service's log is named by the page's check", async () => {
    w = await startWebHarness();
    const c = new ApiClient(w.base);
    await c.login();
    growLog(w.app.services.db);
    const seq = LARGE - 10;
    w.app.services.db.prepare("UPDATE audit_events SET reason = 'tampered' WHERE seq = ?").run(seq);
    expect(await (await c.request("GET", "/api/log/verify")).json()).toEqual({
      ok: false,
      checked: seq - 1,
      firstBad: { seq, problem: "content does not match its hash (edited)" },
    });
  });
});
