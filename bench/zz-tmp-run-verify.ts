import { verifyChain } from "/work/wt/verify/src/audit/chain-verify.js";
import { openDatabaseReadOnly } from "/work/wt/verify/src/store/open-database.js";

const [file, mode, workers] = process.argv.slice(2);
const db = openDatabaseReadOnly(file as string);
const t0 = performance.now();
const c0 = process.cpuUsage();
const r = verifyChain(db, undefined, {
  parallel: mode !== "serial",
  workers: workers ? Number(workers) : undefined,
});
const s = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
console.log(
  mode,
  workers ?? "",
  JSON.stringify(r),
  "s",
  s.toFixed(2),
  "rows/s",
  Math.round(r.checked / s),
  "main cpu s",
  ((c.user + c.system) / 1e6).toFixed(2),
);
