import { PGlite } from "@electric-sql/pglite";

/**
 * Creates an embedded hub database (initdb) in the directory named by argv[2], in a process of
 * its own (see pglite-init.ts): PGlite's initdb runs a second PostgreSQL in memory beside a
 * temporary copy of the cluster, about 450 MB that the hub process would otherwise keep.
 */
const dir = process.argv[2];
if (!dir) throw new Error("usage: pglite-init-child DIR");
const db = await PGlite.create(dir);
await db.close();
