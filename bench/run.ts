// `npm run bench`: every benchmark in turn, each printing its figures as a table.
import { benchAccessPath } from "./access-path.js";
import { benchFingerprint } from "./fingerprint.js";
import { benchPolicy } from "./policy.js";

const benches: Array<[string, () => Promise<Record<string, number | string>>]> = [
  ["access path (PIN to relay) on a site-sized database", benchAccessPath],
  ["fingerprint identify: controller overhead vs wire time", benchFingerprint],
  ["policy decision (schedules, holidays) vs the plain decision", async () => ({ ...(await benchPolicy()) })],
];

const only = process.argv[2];
for (const [name, run] of benches) {
  if (only && !name.includes(only)) continue;
  console.log(`\n== ${name}`);
  console.table(await run());
}
