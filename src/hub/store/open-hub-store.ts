import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { HubStore } from "./hub-store.js";
import { migrate } from "./migrations.js";
import { openPgStore } from "./pg-store.js";
import { openPgliteStore } from "./pglite-store.js";

/** `hub.database_url` set: that PostgreSQL; otherwise PGlite in `<hub.data_dir>/pgdata`. Migrated. */
export async function openHubStore(opts: { databaseUrl: string | null; dataDir: string }): Promise<HubStore> {
  const store = opts.databaseUrl ? openPgStore(opts.databaseUrl) : await openEmbedded(opts.dataDir);
  try {
    await migrate(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}

/**
 * PGlite is one process's database: a second process opening the same directory would corrupt
 * it. A pid file says who has it; a live owner makes the open fail with a clear message.
 */
async function openEmbedded(dataDir: string): Promise<HubStore> {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const lock = join(dataDir, "hub.pid");
  let owner: number | null = null;
  try {
    owner = Number(readFileSync(lock, "utf8").trim()) || null;
  } catch {}
  if (owner && owner !== process.pid && isAlive(owner))
    throw new Error(
      `the embedded hub database in ${dataDir} is in use by process ${owner} (a running 'doorward hub'); stop it first, or use PostgreSQL (hub.database_url) to query while it runs`,
    );
  writeFileSync(lock, `${process.pid}\n`);
  const store = await openPgliteStore(join(dataDir, "pgdata"));
  return {
    ...store,
    close: async () => {
      await store.close();
      rmSync(lock, { force: true });
    },
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === "EPERM";
  }
}
