import pg from "pg";
import { type HubStore, INT8_OID, NUMERIC_OID, type Sql } from "./hub-store.js";

const types = {
  getTypeParser: ((oid: number, format?: "text" | "binary") =>
    oid === INT8_OID || oid === NUMERIC_OID
      ? (v: string) => Number(v)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/** A real PostgreSQL server through a node-postgres pool. */
export function openPgStore(
  connectionString: string,
  opts: { max?: number; schema?: string } = {},
): HubStore {
  const pool = new pg.Pool({
    connectionString,
    max: opts.max ?? 4,
    types,
    // Tests give each case its own schema on one server.
    ...(opts.schema ? { options: `-c search_path=${opts.schema}` } : {}),
  });
  // An idle client that loses its server (restart) must not crash the hub; the next query reconnects.
  pool.on("error", () => {});
  const runner = (c: pg.Pool | pg.PoolClient): Sql => ({
    query: async <T>(text: string, params?: unknown[]) => (await c.query(text, params)).rows as T[],
  });
  return {
    kind: "postgresql",
    connection: { url: connectionString, ...(opts.schema ? { schema: opts.schema } : {}) },
    ...runner(pool),
    async transaction(fn) {
      const client = await pool.connect();
      // A server restart mid-transaction: the query rejects (and the batch is retried); the
      // client's own error event must not crash the hub.
      const ignore = () => {};
      client.on("error", ignore);
      let broken: Error | undefined;
      try {
        await client.query("BEGIN");
        const result = await fn(runner(client));
        await client.query("COMMIT");
        return result;
      } catch (err) {
        // A connection that cannot even roll back is destroyed, not returned to the pool.
        await client.query("ROLLBACK").catch((e: Error) => {
          broken = e;
        });
        throw err;
      } finally {
        client.off("error", ignore);
        client.release(broken);
      }
    },
    async exec(script) {
      await pool.query(script);
    },
    close: () => pool.end(),
  };
}
