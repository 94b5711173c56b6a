import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { type HubStore, INT8_OID, NUMERIC_OID, type Sql } from "./hub-store.js";

/**
 * PostgreSQL compiled to WebAssembly, in the hub's data directory (or in memory when dir is
 * null): `doorward hub` runs on a laptop with nothing installed. One connection, so queries
 * are serialised; the hub's batching keeps that cheap.
 */
export async function openPgliteStore(dir: string | null): Promise<HubStore> {
  if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  const db = await PGlite.create(dir ?? undefined, {
    parsers: { [INT8_OID]: (v: string) => Number(v), [NUMERIC_OID]: (v: string) => Number(v) },
  });
  const runner = (c: { query: PGlite["query"] }): Sql => ({
    query: async <T>(text: string, params?: unknown[]) => (await c.query<T>(text, params)).rows,
  });
  return {
    kind: "pglite",
    ...runner(db),
    transaction: (fn) => db.transaction((tx) => fn(runner(tx))),
    async exec(script) {
      await db.exec(script);
    },
    close: () => db.close(),
    wasmMemoryBytes: () => (db as unknown as { mod?: { HEAPU8: Uint8Array } }).mod?.HEAPU8.byteLength ?? 0,
  };
}
