import { parentPort, workerData } from "node:worker_threads";
import { openDatabaseReadOnly } from "../store/open-database.js";
import { type VerifyResult, verifyChain } from "./chain-verify.js";

/**
 * The admin page's log check, in a worker thread (see log-verify-job.ts): the running service's
 * database opened read-only, the same walk as `doorward log verify`. A retention purge that
 * commits during the walk moves the checkpoint under it; the walk is then run again, so a purge
 * is never reported as deleted rows.
 */
const { file } = workerData as { file: string };
const port = parentPort;
if (!port) throw new Error("log-verify-worker runs in a worker thread");
const db = openDatabaseReadOnly(file);
const newestCheckpoint = db.prepare<[], { id: number | null }>("SELECT max(id) AS id FROM audit_checkpoints");
try {
  let result: VerifyResult;
  for (let attempt = 1; ; attempt++) {
    const before = newestCheckpoint.get()?.id ?? null;
    result = verifyChain(db, (progress) => port.postMessage({ progress }));
    if (result.ok || attempt === 3 || (newestCheckpoint.get()?.id ?? null) === before) break;
  }
  port.postMessage({ result });
} catch (err) {
  port.postMessage({ error: (err as Error).message });
} finally {
  db.close();
}
