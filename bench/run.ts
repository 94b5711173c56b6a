// `npm run bench`: every benchmark in turn, each printing its figures as a table.
import { benchAccessPath } from "./access-path.js";
import { benchAdminChange } from "./admin-change.js";
import { benchAdminLogin } from "./admin-login.js";
import { benchOptions } from "./bench-options.js";
import { benchDuress } from "./duress.js";
import { benchFingerprint } from "./fingerprint.js";
import { benchFingerprintToRelay } from "./fingerprint-to-relay.js";
import { benchHubCrash } from "./hub-crash.js";
import { benchHubHeads } from "./hub-heads.js";
import { benchHub } from "./hub-ingest.js";
import { benchHubPage } from "./hub-page.js";
import { benchHubVerify } from "./hub-verify.js";
import { benchLogVerify } from "./log-verify.js";
import { benchMemory } from "./memory-soak.js";
import { benchMqttDrain } from "./mqtt-drain.js";
import { benchMultiDoor } from "./multi-door.js";
import { benchOsdp } from "./osdp.js";
import { benchOsdpToRelay } from "./osdp-to-relay.js";
import { benchPolicy } from "./policy.js";
import { benchSiteRules } from "./site-rules.js";

const benches: Array<[string, () => Promise<Record<string, number | string>>]> = [
  ["access path (PIN to relay) on a site-sized database", benchAccessPath],
  [
    "log verify on the seeded log: rows/s, CPU, and a row's cost on one thread (SQLite read, JSON, SHA-256)",
    benchLogVerify,
  ],
  ["duress grant vs normal grant vs bare insert (one transaction, one fsync)", benchDuress],
  ["fingerprint identify: controller overhead vs wire time", benchFingerprint],
  ["fingerprint: Search answer's last byte to the relay, through the whole app", benchFingerprintToRelay],
  [
    "mqtt: 100,000-event backlog drain and fleet publish to applied (Mosquitto if installed, else aedes)",
    async () => flatten(await benchMqttDrain()),
  ],
  ["policy decision (schedules, holidays) vs the plain decision", async () => ({ ...(await benchPolicy()) })],
  [
    "hub: fleet simulator through Mosquitto into the audit hub, PostgreSQL and PGlite",
    async () => {
      const rows = await benchHub();
      const out: Record<string, number | string> = {};
      for (const r of rows)
        for (const [k, v] of Object.entries(r)) if (k !== "backend") out[`${r.backend}.${k}`] = v;
      return out;
    },
  ],
  [
    "hub heads: signed heads checked against the stored rows, heads/s and round trips per head, PostgreSQL and PGlite",
    benchHubHeads,
  ],
  ["hub: events lost and duplicate rows across a hub kill -9 and a PostgreSQL restart", benchHubCrash],
  ["hub verify: rows/s over 10,000,000 stored events of 1,000 doors (seeded once, cached)", benchHubVerify],
  ["hub page: chart aggregation, search pages and export on a large store", benchHubPage],
  ["admin login: known vs unknown vs throttled names (all run scrypt); a session request", benchAdminLogin],
  [
    "admin change and its audit row: one transaction vs two commits, next to the bare insert",
    benchAdminChange,
  ],
  [
    "doors: two doors granting at once (each door's key# to relay) vs one door vs bare insert; start-up and RSS, 4 doors vs 1",
    benchMultiDoor,
  ],
  [
    "site rules: access levels and anti-passback per attempt, occupancy rebuild, vs bare insert",
    benchSiteRules,
  ],
  ["osdp: poll cycle (1/4/8 readers, Secure Channel), wire time at 9600/115200, card to CP event", benchOsdp],
  ["osdp: card (last byte of the reader's reply) to the relay, through the whole app", benchOsdpToRelay],
  [
    "memory: resident memory of the build under --rate attempts/s for --minutes, admin page and MQTT on",
    benchMemory,
  ],
];

/** console.table wants one level: nested figures become dotted keys. */
function flatten(value: object, prefix = ""): Record<string, number | string> {
  const out: Record<string, number | string> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === "object") Object.assign(out, flatten(v, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v as number | string;
  }
  return out;
}

/** Long runs that only run when named (`npm run bench -- memory`). */
const OPT_IN = ["memory"];

const { only } = benchOptions;
for (const [name, run] of benches) {
  if (only && !name.includes(only)) continue;
  if (!only && OPT_IN.some((prefix) => name.startsWith(`${prefix}:`))) {
    console.log(`\n== ${name}\n(not run by default: npm run bench -- ${name.split(":")[0]})`);
    continue;
  }
  console.log(`\n== ${name}`);
  console.table(await run());
}
