// One `hub verify` worker thread: its own connection, its slice of the chains (verify-workers.ts).
import { parentPort, workerData } from "node:worker_threads";
import { type ChainRow, walkOf, walkRows } from "./hub-verify.js";
import { openPgStore } from "./store/pg-store.js";

const { url, schema, chains } = workerData as { url: string; schema?: string; chains: ChainRow[] };
const store = openPgStore(url, { max: 1, ...(schema ? { schema } : {}) });
try {
  const walks = new Map(chains.map((c) => [c.door, walkOf(c)]));
  await store.transaction((tx) =>
    walkRows(
      tx,
      walks,
      chains.map((c) => c.door),
    ),
  );
  parentPort?.postMessage({ ok: true, verdicts: [...walks.values()].map((w) => w.verdict()) });
} catch (err) {
  parentPort?.postMessage({ ok: false, error: (err as Error).message });
} finally {
  await store.close();
}
