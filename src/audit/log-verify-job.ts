import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Db } from "../store/open-database.js";
import { type VerifyProgress, type VerifyResult, verifyChain } from "./chain-verify.js";

export interface VerifyJobStatus {
  running: boolean;
  checked: number;
  total: number;
  /** The last finished check, if any. */
  result: VerifyResult | null;
}

// The check's module: from the build, or from the sources through tsx's loader (the usual
// `node --import tsx`), found from here rather than from the child's working directory.
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const CHILD_MODULE = fileURLToPath(
  new URL(`./log-verify-child${FROM_SOURCES ? ".ts" : ".js"}`, import.meta.url),
);
const childArgs = (file: string): string[] => [
  ...(FROM_SOURCES ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href] : []),
  CHILD_MODULE,
  JSON.stringify({ file }),
];

/**
 * The admin page's "verify": the whole walk in a child process on its own read-only connection,
 * so the service's event loop keeps deciding attempts and answering requests while a
 * 10,000,000-row log is checked (issue 15), and the memory the walk and its worker threads use
 * (about 50 MB at the peak on 10,000,000 rows) is never the service's. One check at a time: a request while one runs joins
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
        : this.inChild(file);
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

  private inChild(file: string): Promise<VerifyResult> {
    return new Promise((resolve, reject) => {
      const child = spawn(process.execPath, childArgs(file), {
        stdio: ["ignore", "inherit", "inherit", "ipc"],
      });
      let settled = false;
      child.on("message", (m: { progress?: VerifyProgress; result?: VerifyResult; error?: string }) => {
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
      child.on("error", (err) => {
        settled = true;
        reject(err);
      });
      child.on("exit", (code, signal) => {
        if (!settled) reject(new Error(`the log check stopped (${signal ?? `exit code ${code}`})`));
      });
    });
  }
}
