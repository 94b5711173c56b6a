import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import type { Db } from "../store/open-database.js";
import { type VerifyProgress, type VerifyResult, verifyChain } from "./chain-verify.js";

export interface VerifyJobStatus {
  running: boolean;
  checked: number;
  total: number;
  /** The last finished check, if any. */
  result: VerifyResult | null;
}

// Loads the job's module in the worker: through tsx when doorward runs from its sources (the
// module is .ts), directly from the build, as bin/doorward.js starts the CLI. tsx is found from
// here: an eval'd worker would look for it from the working directory.
const BOOT = `
const { workerData } = require("node:worker_threads");
(async () => {
  if (workerData.tsxApi) (await import(workerData.tsxApi)).register();
  await import(workerData.moduleUrl);
})();
`;

const FROM_SOURCES = import.meta.url.endsWith(".ts");
const WORKER_MODULE = new URL(`./log-verify-worker${FROM_SOURCES ? ".ts" : ".js"}`, import.meta.url);
/** tsx's ESM API (its CommonJS build cannot register the hooks), as the worker imports it. */
function tsxApi(): string | null {
  if (!FROM_SOURCES) return null;
  if (typeof import.meta.resolve === "function") return import.meta.resolve("tsx/esm/api");
  // Under test runners without import.meta.resolve: the ESM file beside the CommonJS one.
  const cjs = createRequire(import.meta.url).resolve("tsx/esm/api");
  return pathToFileURL(cjs.replace(/\.cjs$/, ".mjs")).href;
}

/**
 * The admin page's "verify": the whole walk in a worker thread on its own read-only connection,
 * so the service's event loop keeps deciding attempts and answering requests while a
 * 10,000,000-row log is checked (issue 15). One check at a time: a request while one runs joins
 * it and gets the same answer.
 */
export class LogVerifyJob {
  private running: Promise<VerifyResult> | null = null;
  private progress: VerifyProgress = { checked: 0, total: 0 };
  private last: VerifyResult | null = null;
  /** Checks started (a joined request starts none). */
  started = 0;

  constructor(private readonly db: Db) {}

  status(): VerifyJobStatus {
    return { running: this.running !== null, ...this.progress, result: this.last };
  }

  /** Starts a check, or joins the one running. */
  run(): Promise<VerifyResult> {
    if (this.running) return this.running;
    this.started++;
    this.progress = { checked: 0, total: 0 };
    const file = this.db.name;
    // An in-memory database (tests) cannot be opened a second time: checked here, as before.
    const result =
      file === "" || file === ":memory:" || this.db.memory
        ? Promise.resolve().then(() => verifyChain(this.db))
        : this.inWorker(file);
    this.running = result
      .then((r) => {
        this.last = r;
        return r;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private inWorker(file: string): Promise<VerifyResult> {
    return new Promise((resolve, reject) => {
      const worker = new Worker(BOOT, {
        eval: true,
        workerData: { moduleUrl: WORKER_MODULE.href, tsxApi: tsxApi(), file },
      });
      let settled = false;
      worker.on("message", (m: { progress?: VerifyProgress; result?: VerifyResult; error?: string }) => {
        if (m.progress) this.progress = m.progress;
        if (m.result) {
          settled = true;
          this.progress = { checked: m.result.checked, total: this.progress.total };
          resolve(m.result);
        }
        if (m.error) {
          settled = true;
          reject(new Error(m.error));
        }
      });
      worker.on("error", (err) => {
        settled = true;
        reject(err);
      });
      worker.on("exit", (code) => {
        if (!settled) reject(new Error(`the log check stopped (exit code ${code})`));
      });
    });
  }
}
