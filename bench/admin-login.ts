/**
 * Admin login timing against a real `doorward start --simulate` process: a wrong password for a
 * known name, for an unknown name, and both again while that name is throttled from the address.
 * Every one of them runs scrypt once (N=2^15), so the four medians should agree; a throttled or
 * unknown name that answered early would tell a stranger which admin names exist. Also the cost
 * of a request on a database-backed session, next to the bare fsync'd insert of the same run.
 * Samples are interleaved so machine load hits every kind alike.
 * Run alone: `node --import tsx bench/admin-login.ts`.
 */
import { mkdtempSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { openDatabase } from "../src/store/open-database.js";
import { addAdmin, startControllerProcess, writeConfig } from "../test/e2e/controller-process.js";
import { isMain, percentile, round } from "./stats.js";

const SAMPLES = 25;

interface Answer {
  status: number;
  ms: number;
  cookie: string | undefined;
}

function call(url: string, from: string, body?: unknown, cookie?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url,
      {
        method: body === undefined ? "GET" : "POST",
        localAddress: from,
        rejectUnauthorized: false, // the controller's self-signed certificate, on localhost
        headers: {
          ...(body === undefined ? {} : { "content-type": "application/json" }),
          ...(cookie ? { cookie } : {}),
        },
      },
      (res) => {
        res.resume();
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            ms: performance.now() - started,
            cookie: res.headers["set-cookie"]?.[0]?.split(";")[0],
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function fsyncInsertMs(): number {
  const db = openDatabase(join(mkdtempSync(join(tmpdir(), "doorward-bench-")), "bare.db"));
  db.exec("CREATE TABLE bare (v TEXT)");
  const insert = db.prepare("INSERT INTO bare (v) VALUES (?)");
  const samples: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    insert.run(String(i));
    samples.push(performance.now() - t);
  }
  db.close();
  return percentile(samples, 50);
}

export async function benchAdminLogin(): Promise<Record<string, number | string>> {
  const dir = mkdtempSync(join(tmpdir(), "doorward-bench-"));
  const config = writeConfig(
    dir,
    "web: {port: 0, login: {per_minute: 1000}}\nsimulator_panel: {enabled: false}\n",
  );
  addAdmin(config, "ada", "correct horse battery");
  const c = await startControllerProcess(config);
  const login = `${c.adminUrl}api/login`;
  try {
    // One address per sample for the plain failures, so none of them is throttled yet.
    for (const [name, from] of [
      ["ada", "127.0.3.1"],
      ["nobody", "127.0.3.2"],
    ] as const)
      for (let i = 0; i < 5; i++) await call(login, from, { name, password: `wrong ${i}` });
    const ms: Record<string, number[]> = {
      known: [],
      unknown: [],
      known_throttled: [],
      unknown_throttled: [],
    };
    const statuses = new Set<string>();
    for (let i = 0; i < SAMPLES; i++) {
      for (const [kind, name, from] of [
        ["known", "ada", `127.0.1.${i + 1}`],
        ["unknown", "nobody", `127.0.2.${i + 1}`],
        ["known_throttled", "ada", "127.0.3.1"],
        ["unknown_throttled", "nobody", "127.0.3.2"],
      ] as const) {
        const a = await call(login, from, { name, password: "wrong password" });
        ms[kind]?.push(a.ms);
        statuses.add(`${kind}:${a.status}`);
      }
    }
    const ok = await call(login, "127.0.0.1", { name: "ada", password: "correct horse battery" });
    const session: number[] = [];
    for (let i = 0; i < 100; i++)
      session.push((await call(`${c.adminUrl}api/status`, "127.0.0.1", undefined, ok.cookie)).ms);
    const figures: Record<string, number | string> = {};
    for (const [kind, samples] of Object.entries(ms)) {
      figures[`${kind}_p50_ms`] = round(percentile(samples, 50), 1);
      figures[`${kind}_p95_ms`] = round(percentile(samples, 95), 1);
    }
    figures.statuses = [...statuses].sort().join(" ");
    figures.session_request_p50_ms = round(percentile(session, 50), 2);
    figures.bare_fsync_insert_p50_ms = round(fsyncInsertMs(), 2);
    return figures;
  } finally {
    await c.stop();
  }
}

if (isMain(import.meta.url)) console.table(await benchAdminLogin());
