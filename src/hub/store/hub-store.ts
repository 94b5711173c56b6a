/** What the hub needs from a database: PostgreSQL through `pg`, or PGlite embedded. Same SQL for both. */
export interface Sql {
  query<T = Record<string, unknown>>(text: string, params?: unknown[]): Promise<T[]>;
}

export interface HubStore extends Sql {
  readonly kind: "postgresql" | "pglite";
  /** PostgreSQL only: how to open more connections of the same kind (hub verify's worker threads). */
  readonly connection?: { url: string; schema?: string };
  /** Runs fn in one transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T>;
  /** Several statements at once (migrations). */
  exec(script: string): Promise<void>;
  close(): Promise<void>;
  /** PGlite only: the size of its WebAssembly heap, which grows and never shrinks (the bench reports it). */
  wasmMemoryBytes?(): number;
}

/** int8 and numeric columns come back as JS numbers (seqs stay far below 2^53). */
export const INT8_OID = 20;
export const NUMERIC_OID = 1700;
