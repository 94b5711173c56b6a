import { randomBytes } from "node:crypto";
import { join } from "node:path";
import pg from "pg";
import type { HubStore } from "../../src/hub/store/hub-store.js";
import { migrate } from "../../src/hub/store/migrations.js";
import { openPgStore } from "../../src/hub/store/pg-store.js";
import { openPgliteStore } from "../../src/hub/store/pglite-store.js";

let sharedPglite: Promise<HubStore> | null = null;

export interface StoreFactory {
  name: string;
  open(): Promise<HubStore>;
}

/**
 * Every hub test runs on PGlite, and on the real PostgreSQL too when HUB_TEST_DATABASE_URL is
 * set (.ci/run starts a private server): each case gets a fresh schema on it.
 */
export function hubStoreFactories(): StoreFactory[] {
  const factories: StoreFactory[] = [
    {
      name: "pglite",
      // One in-memory PGlite per test file (starting the WebAssembly build takes seconds on a
      // loaded machine), a fresh schema per case, like the PostgreSQL cases.
      open: async () => {
        sharedPglite ??= openPgliteStore(null);
        const base = await sharedPglite;
        const schema = `hub_test_${randomBytes(6).toString("hex")}`;
        await base.exec(`CREATE SCHEMA ${schema}; SET search_path TO ${schema}`);
        await migrate(base);
        return { ...base, close: async () => {} };
      },
    },
  ];
  const url = process.env.HUB_TEST_DATABASE_URL;
  if (url)
    factories.push({
      name: "postgresql",
      open: async () => {
        const schema = await freshSchema(url);
        const s = openPgStore(url, { schema });
        await migrate(s);
        return s;
      },
    });
  return factories;
}

export async function freshSchema(url: string): Promise<string> {
  const schema = `hub_test_${randomBytes(6).toString("hex")}`;
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`CREATE SCHEMA ${schema}`);
  await client.end();
  return schema;
}

/**
 * The hub's database as a config file's `hub:` section, for tests of the CLI (a process of its
 * own opening it from the config): PGlite in a data dir, and a fresh schema on PostgreSQL when
 * HUB_TEST_DATABASE_URL is set.
 */
export function cliDatabases(): Array<{ name: string; yaml: (dir: string) => Promise<string> }> {
  const list = [{ name: "pglite", yaml: async (dir: string) => `hub:\n  data_dir: ${join(dir, "hub")}\n` }];
  const url = process.env.HUB_TEST_DATABASE_URL;
  if (url)
    list.push({
      name: "postgresql",
      yaml: async (dir: string) => {
        const u = new URL(url);
        u.searchParams.set("options", `-c search_path=${await freshSchema(url)}`);
        return `hub:\n  database_url: "${u.toString()}"\n  data_dir: ${join(dir, "hub")}\n`;
      },
    });
  return list;
}
