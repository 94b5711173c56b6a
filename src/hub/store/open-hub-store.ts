import { join } from "node:path";
import type { HubStore } from "./hub-store.js";
import { migrate } from "./migrations.js";
import { openPgStore } from "./pg-store.js";
import { openPgliteStore } from "./pglite-store.js";

/** `hub.database_url` set: that PostgreSQL; otherwise PGlite in `<hub.data_dir>/pgdata`. Migrated. */
export async function openHubStore(opts: { databaseUrl: string | null; dataDir: string }): Promise<HubStore> {
  const store = opts.databaseUrl
    ? openPgStore(opts.databaseUrl)
    : await openPgliteStore(join(opts.dataDir, "pgdata"));
  try {
    await migrate(store);
  } catch (err) {
    await store.close().catch(() => {});
    throw err;
  }
  return store;
}
