import { mkdirSync } from "node:fs";
import { PGlite } from "@electric-sql/pglite";
import { type HubStore, INT8_OID, NUMERIC_OID, type Sql } from "./hub-store.js";
import { durableStartParams, nodefsFsync, PGLITE_DURABILITY } from "./pglite-fsync.js";
import { ensurePgliteDataDir } from "./pglite-init.js";

/**
 * PostgreSQL settings for the embedded database. Its memory is one WebAssembly heap that grows
 * and never shrinks, so what PostgreSQL sizes for a server (128 MB of shared buffers, 64 MB of
 * maintenance memory) stays resident for the hub's life: ~190 MB of heap and ~360 MB resident
 * after a start. The hub's working set is small (the newest partition's index pages and the
 * chain rows; bulk reads go through the OS page cache either way), so a Pi-sized cache does:
 * the heap stays at its 128 MB floor (PGlite's build cannot start smaller).
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = {
  shared_buffers: "16MB",
  maintenance_work_mem: "16MB",
  work_mem: "4MB",
  temp_buffers: "8MB",
};

/**
 * PostgreSQL compiled to WebAssembly, in the hub's data directory (or in memory when dir is
 * null): `doorward hub` runs on a laptop with nothing installed. One connection, so queries
 * are serialised; the hub's batching keeps that cheap. A new directory's initdb runs in a child
 * process (pglite-init.ts). A commit is fsync'd before it returns (pglite-fsync.ts); `onFsync`
 * is told each host file synced (tests).
 */
export async function openPgliteStore(
  dir: string | null,
  opts: { onFsync?: (hostPath: string) => void } = {},
): Promise<HubStore> {
  if (dir) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    await ensurePgliteDataDir(dir);
  }
  const db = await PGlite.create(dir ?? undefined, {
    parsers: { [INT8_OID]: (v: string) => Number(v), [NUMERIC_OID]: (v: string) => Number(v) },
    extensions: { nodefsFsync: nodefsFsync(opts.onFsync) },
    startParams: [
      ...durableStartParams(PGlite.defaultStartParams),
      ...Object.entries({ ...PGLITE_SETTINGS, ...PGLITE_DURABILITY }).flatMap(([name, value]) => [
        "-c",
        `${name}=${value}`,
      ]),
    ],
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
    // PGlite keeps its Emscripten module protected; read for the bench's memory figures only.
    wasmMemoryBytes: () => (db as unknown as { mod?: { HEAPU8: Uint8Array } }).mod?.HEAPU8.byteLength ?? 0,
  };
}
