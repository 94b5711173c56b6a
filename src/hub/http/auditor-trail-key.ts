import { join } from "node:path";
import { ActorCodes } from "../../audit/actor-codes.js";
import type { Sql } from "../store/hub-store.js";
import { AuditorError } from "./auditor-accounts.js";
import { AuditorTrail } from "./auditor-trail.js";
import { loadKeyFile, loadOrCreateKeyFile } from "./hub-key-file.js";

/**
 * The key the auditor trail's codes are made with, `<data_dir>/auditor-trail.key` (0600). Hubs
 * and hosts sharing one PostgreSQL should be given the same file, or a person changing auditors
 * from two hosts appears under two codes. Reading the trail needs no key (names come from
 * hub_auditor_trail_names, the chain is plain SHA-256), so readers only ever load it: a read
 * makes no file. Only a change makes one, on first use.
 */
export const TRAIL_KEY_FILE = "auditor-trail.key";

export const trailKeyPath = (dataDir: string): string => join(dataDir, TRAIL_KEY_FILE);

/** The key, or null when the file does not exist. Never creates it. */
export const readTrailKey = (dataDir: string): Buffer | null => loadKeyFile(dataDir, TRAIL_KEY_FILE);

/**
 * - `no rows`: nothing was coded yet (a missing key is normal: the first change makes it);
 * - `ok`: every name the hub shows for a row's code is that name's code under this key;
 * - `missing`: rows exist but the key they were coded under is not here;
 * - `other key`: some rows name people whose codes under this key are not the rows' codes.
 */
export interface TrailKeyVerdict {
  state: "no rows" | "ok" | "missing" | "other key";
  rows: number;
  otherKeyRows?: number;
  firstOtherKeyRow?: number;
}

/**
 * Checks the trail's codes against the key through the names kept for them: an actor's name
 * stays for good, an auditor's until they are removed. A row coded under another key (a key
 * started anew, another host's file) or a names entry edited to put someone else behind a code
 * does not match. The names table is outside the hash chain (entries are deleted on remove),
 * so this is the only check of who the history says did what.
 */
export async function checkTrailKey(sql: Sql, key: Buffer | null): Promise<TrailKeyVerdict> {
  const [table] = await sql.query<{ t: string | null }>("SELECT to_regclass('hub_auditor_trail')::text AS t");
  if (!table?.t) return { state: "no rows", rows: 0 };
  const rows = await sql.query<{
    id: number;
    auditor_code: string;
    auditor_name: string | null;
    actor_code: string;
    actor_name: string | null;
  }>(
    `SELECT t.id, t.auditor_code, a.name AS auditor_name, t.actor_code, b.name AS actor_name
     FROM hub_auditor_trail t
     LEFT JOIN hub_auditor_trail_names a ON a.code = t.auditor_code
     LEFT JOIN hub_auditor_trail_names b ON b.code = t.actor_code
     ORDER BY t.id`,
  );
  if (rows.length === 0) return { state: "no rows", rows: 0 };
  if (!key) return { state: "missing", rows: rows.length };
  const codes = new ActorCodes(key);
  // An auditor `ada` is coded as `web:ada`; an actor is kept as coded (`os:root`).
  const isCodeOf = (code: string, name: string | null) =>
    name === null || codes.code(name) === code || codes.code(`web:${name}`) === code;
  const other = rows.filter(
    (r) => !isCodeOf(r.auditor_code, r.auditor_name) || !isCodeOf(r.actor_code, r.actor_name),
  );
  if (other.length === 0) return { state: "ok", rows: rows.length };
  return {
    state: "other key",
    rows: rows.length,
    otherKeyRows: other.length,
    firstOtherKeyRow: Number(other[0]?.id),
  };
}

const rowsWere = (n: number) => (n === 1 ? "1 row was" : `${n} rows were`);

/** A line for `hub verify` (every state but `no rows`) and `hub auditor history` (the findings). */
export function trailKeyFinding(v: TrailKeyVerdict, path: string): string | null {
  switch (v.state) {
    case "no rows":
      return null;
    case "ok":
      return `auditor trail key: ok, the names shown for ${v.rows} rows match their codes`;
    case "missing":
      return `auditor trail key: MISSING: ${path} does not exist, but the trail's ${rowsWere(v.rows)} coded under it: the names shown for their codes cannot be checked, and auditor changes are refused until the file is restored (from a backup, or from the host that made it; or start a new key with 'doorward hub auditor add|passwd|remove NAME --new-trail-key')`;
    default:
      return `auditor trail key: ${rowsWere(v.otherKeyRows ?? 0)} coded under another key (first: row ${v.firstOtherKeyRow}): ${path} does not confirm the names shown for them (a key started anew, another host's key file, or an edited hub_auditor_trail_names)`;
  }
}

/**
 * The trail for a change (`hub auditor add|passwd|remove`): the key, made on first use. Over
 * rows coded under a key that is gone a new key would split everyone's codes in two without a
 * word, so the change is refused unless `newKey` says to start one (the key is really lost);
 * `hub verify` then names the rows coded under the old one.
 */
export async function trailForChange(
  sql: Sql,
  dataDir: string,
  opts: { newKey: boolean; warn: (line: string) => void },
): Promise<AuditorTrail> {
  const key = readTrailKey(dataDir);
  if (key) return new AuditorTrail(key);
  const path = trailKeyPath(dataDir);
  const { rows } = await checkTrailKey(sql, null);
  if (rows > 0 && !opts.newKey)
    throw new AuditorError(
      `${path} is missing, and the trail's ${rowsWere(rows)} coded under it; nothing changed. Restore the file (from a backup, or from the host that made it), or, if it is lost, add --new-trail-key to start a new one (earlier rows keep their codes; 'doorward hub verify' will name them)`,
    );
  const made = loadOrCreateKeyFile(dataDir, TRAIL_KEY_FILE);
  if (rows > 0)
    opts.warn(
      `made a new auditor trail key ${path}: the ${rowsWere(rows)} coded under the lost key; the same people get new codes from here on`,
    );
  return new AuditorTrail(made);
}
