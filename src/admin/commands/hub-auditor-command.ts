import { existsSync } from "node:fs";
import { hashPassword } from "../../admin/http/password-hasher.js";
import type { HubSettings } from "../../config/hub-schema.js";
import { AUDITOR_NAME_PATTERN, AuditorAccounts, AuditorError } from "../../hub/http/auditor-accounts.js";
import { migrateAuditorTables } from "../../hub/http/auditor-schema.js";
import type { AuditorTrail } from "../../hub/http/auditor-trail.js";
import { readTrail } from "../../hub/http/auditor-trail.js";
import {
  checkTrailKey,
  readTrailKey,
  trailForChange,
  trailKeyFinding,
  trailKeyPath,
} from "../../hub/http/auditor-trail-key.js";
import type { HubStore } from "../../hub/store/hub-store.js";
import { openHubStore } from "../../hub/store/open-hub-store.js";
import { currentActor } from "../admin-service.js";
import type { CliIo } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { readNewSecret } from "../secret-input.js";

export const HUB_AUDITOR_USAGE = `doorward hub auditor add NAME      (an account for the auditors' page; password from a hidden prompt or the first line of stdin)
doorward hub auditor passwd NAME
doorward hub auditor remove NAME
doorward hub auditor list
doorward hub auditor history       (every add, passwd and remove: when, whom, by whom)
  add, passwd, remove: --new-trail-key when auditor-trail.key is lost (starts a new one)`;

const MIN_PASSWORD = 10;
const SUBS = ["add", "passwd", "remove", "list", "history"];
const TAKES_NO_NAME = ["list", "history"];

/** Checks the words before anything is opened: wrong ones exit 2 with the usage and change nothing. */
export function parseAuditorArgs(positionals: string[]): { sub: string; name: string | null } {
  const [sub, ...names] = positionals;
  if (!sub || !SUBS.includes(sub))
    throw new UsageError(
      sub ? `unknown hub auditor command '${sub}'` : "missing hub auditor command",
      HUB_AUDITOR_USAGE,
    );
  if (TAKES_NO_NAME.includes(sub)) {
    if (names.length) throw new UsageError(`hub auditor ${sub}: takes no NAME`, HUB_AUDITOR_USAGE);
    return { sub, name: null };
  }
  if (names.length !== 1)
    throw new UsageError(`hub auditor ${sub}: expected exactly one NAME`, HUB_AUDITOR_USAGE);
  const name = names[0] as string;
  if (sub === "add" && !AUDITOR_NAME_PATTERN.test(name))
    throw new UsageError(
      "hub auditor add: a name is 1-32 lowercase letters, digits, '.', '_' or '-'",
      HUB_AUDITOR_USAGE,
    );
  return { sub, name };
}

/**
 * `doorward hub auditor …` on an open hub store. Removing an auditor or changing a password ends
 * their sessions at once (the rows go in the same commit). With the embedded database (PGlite)
 * the hub must be stopped first: one process holds it. Each change is kept in the hub's auditor
 * trail, naming the operating-system account that ran the command (`by`, as the door's CLI does).
 */
export async function auditorCommand(
  store: HubStore,
  sub: string,
  name: string | null,
  io: CliIo,
  ctx: { httpPort: number; trail: AuditorTrail | null },
): Promise<number> {
  // Accounts without a trail would change unrecorded: only the reads may go without one.
  if (!ctx.trail && !TAKES_NO_NAME.includes(sub)) throw new Error(`hub auditor ${sub}: no auditor trail`);
  await migrateAuditorTables(store);
  const accounts = new AuditorAccounts(store, ctx.trail);
  const by = currentActor();
  const out = (line: string) => io.stdout.write(`${line}\n`);
  const newPassword = async () => {
    const password = await readNewSecret(io, "password");
    if (password.length < MIN_PASSWORD)
      throw new UsageError(`a password has at least ${MIN_PASSWORD} characters; nothing changed`);
    return hashPassword(password);
  };
  switch (sub) {
    case "list":
      for (const a of await accounts.list())
        out(`${a.name}\t${a.lastLogin ? `last login ${a.lastLogin}` : "never logged in"}`);
      return 0;
    case "history":
      for (const e of await readTrail(store)) out(`${e.ts}\t${e.action}\t${e.auditor}\tby ${e.by}`);
      return 0;
    case "add": {
      const who = name as string;
      if (await accounts.find(who)) throw new AuditorError(`auditor '${who}' already exists`);
      await accounts.add(who, await newPassword(), by);
      out(`auditor ${who} added; log in at https://<the hub>:${ctx.httpPort}/`);
      return 0;
    }
    case "passwd": {
      const who = name as string;
      if (!(await accounts.find(who))) throw new AuditorError(`no such auditor: '${who}'`);
      await accounts.setPassword(who, await newPassword(), by);
      out(`password changed for ${who}; their open sessions have ended`);
      return 0;
    }
    default:
      await accounts.remove(name as string, by);
      out(`auditor ${name} removed; their open sessions have ended`);
      return 0;
  }
}

/**
 * Opens the hub's database from the settings, runs the command, closes it. The reads (`list`,
 * `history`) only load the trail's key, to check it: they never make the file.
 */
export async function runAuditorCommand(
  hub: HubSettings,
  positionals: string[],
  io: CliIo,
  opts: { newTrailKey: boolean } = { newTrailKey: false },
): Promise<number> {
  const { sub, name } = parseAuditorArgs(positionals);
  const reads = TAKES_NO_NAME.includes(sub);
  const keyPath = trailKeyPath(hub.data_dir);
  if (opts.newTrailKey && reads)
    throw new UsageError(`--new-trail-key: only with add, passwd or remove, not ${sub}`, HUB_AUDITOR_USAGE);
  if (opts.newTrailKey && existsSync(keyPath))
    throw new UsageError(
      `--new-trail-key: ${keyPath} exists; the option is only for a lost key. Nothing changed`,
      HUB_AUDITOR_USAGE,
    );
  const store = await openHubStore({ databaseUrl: hub.database_url, dataDir: hub.data_dir });
  try {
    if (reads) {
      const code = await auditorCommand(store, sub, null, io, { httpPort: hub.http.port, trail: null });
      if (sub === "history") {
        const verdict = await checkTrailKey(store, readTrailKey(hub.data_dir));
        const finding = trailKeyFinding(verdict, keyPath);
        if (finding && verdict.state !== "ok") io.stderr.write(`${finding}\n`);
      }
      return code;
    }
    await migrateAuditorTables(store);
    const trail = await trailForChange(store, hub.data_dir, {
      newKey: opts.newTrailKey,
      warn: (line) => io.stderr.write(`${line}\n`),
    });
    return await auditorCommand(store, sub, name, io, { httpPort: hub.http.port, trail });
  } finally {
    await store.close();
  }
}
