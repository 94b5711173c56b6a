import { availableParallelism } from "node:os";
import { Worker } from "node:worker_threads";
import type { ChainRow, ChainVerdict } from "./hub-verify.js";

/** Below this many stored rows the threads' start-up costs more than it saves. */
export const WORKERS_FROM_ROWS = 1_000_000;

/**
 * `hub verify` on PostgreSQL with millions of rows: the chains split into slices of about equal
 * rows, each walked on a worker thread with its own connection (its own server process), so the
 * hashing, which is most of the cost, runs on every core. Rejects when a worker cannot start or
 * fails (a build without the worker file, a source run without a loader in the worker): the
 * caller then walks everything on its own thread.
 */
export async function verifyOnWorkers(
  connection: { url: string; schema?: string },
  chains: ChainRow[],
): Promise<ChainVerdict[]> {
  const count = Math.min(4, availableParallelism(), chains.length);
  if (count < 2) throw new Error("one core: no workers");
  const total = chains.reduce((n, c) => n + Math.max(c.last_seq - c.checkpoint_seq, 1), 0);
  const slices: ChainRow[][] = [[]];
  let inSlice = 0;
  for (const c of chains) {
    const rows = Math.max(c.last_seq - c.checkpoint_seq, 1);
    if (inSlice > 0 && inSlice + rows > total / count && slices.length < count) {
      slices.push([]);
      inSlice = 0;
    }
    slices.at(-1)?.push(c);
    inSlice += rows;
  }
  // Run from source (tsx), a worker thread has no TypeScript loader of its own: it registers tsx
  // before loading the worker module. The build runs the compiled .js directly.
  const fromSource = import.meta.url.endsWith(".ts");
  const file = new URL(`./verify-worker${fromSource ? ".ts" : ".js"}`, import.meta.url).href;
  const boot = fromSource
    ? `import(${JSON.stringify(import.meta.resolve("tsx/esm/api"))}).then((t) => { t.register(); return import(${JSON.stringify(file)}); })`
    : `import(${JSON.stringify(file)})`;
  const results = await Promise.all(
    slices.map(
      (slice) =>
        new Promise<ChainVerdict[]>((resolve, reject) => {
          const worker = new Worker(boot, { eval: true, workerData: { ...connection, chains: slice } });
          worker.once("message", (m: { ok: boolean; verdicts?: ChainVerdict[]; error?: string }) =>
            m.ok && m.verdicts ? resolve(m.verdicts) : reject(new Error(m.error ?? "verify worker failed")),
          );
          worker.once("error", reject);
          worker.once("exit", (code) => reject(new Error(`verify worker exited ${code}`)));
        }),
    ),
  );
  return results.flat(); // slices were cut in the database's door order: verdicts stay in it
}
