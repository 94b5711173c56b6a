import { parentPort, workerData } from "node:worker_threads";
import { openDatabaseReadOnly } from "../store/open-database.js";
import { verifyChain } from "./chain-verify.js";

/**
 * The admin page's log check, in a worker thread (see log-verify-job.ts): the running service's
 * database opened read-only, the same walk as `doorward log verify`.
 */
const { file } = workerData as { file: string };
const port = parentPort;
if (!port) throw new Error("log-verify-worker runs in a worker thread");
const db = openDatabaseReadOnly(file);
try {
  port.postMessage({ result: verifyChain(db, (progress) => port.postMessage({ progress })) });
} catch (err) {
  port.postMessage({ error: (err as Error).message });
} finally {
  db.close();
}
