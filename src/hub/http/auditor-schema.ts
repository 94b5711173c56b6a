import type { HubStore, Sql } from "../store/hub-store.js";

/**
 * The auditor page's tables, versioned on their own (hub_auditor_schema) so they evolve apart
 * from the events schema. Nothing here names a door's user: the accounts are the auditors',
 * sessions are held as token hashes, and a login throttle keeps the typed name only as a keyed
 * hash (people type passwords into name fields).
 */
const STEPS: string[][] = [
  [
    `CREATE TABLE hub_auditors (
       id bigserial PRIMARY KEY,
       name text NOT NULL UNIQUE,
       password_hash text NOT NULL,
       created_at timestamptz NOT NULL DEFAULT now(),
       last_login timestamptz
     )`,
    `CREATE TABLE hub_auditor_sessions (
       token_hash text PRIMARY KEY,
       auditor_id bigint NOT NULL REFERENCES hub_auditors (id) ON DELETE CASCADE,
       created_ms bigint NOT NULL,
       last_seen_ms bigint NOT NULL
     )`,
    `CREATE TABLE hub_auditor_login_throttles (
       name_key text NOT NULL,
       address text NOT NULL,
       failures integer NOT NULL,
       throttles integer NOT NULL,
       throttled_until_ms bigint,
       last_failure_ms bigint NOT NULL,
       PRIMARY KEY (name_key, address)
     )`,
  ],
  // Who was given or lost access, and when (auditor-trail.ts): append-only and hash-chained.
  // Rows name auditors and the people who changed them by keyed codes; the names those codes
  // stand for live apart, in hub_auditor_trail_names, so removing an auditor removes their name.
  [
    `CREATE TABLE hub_auditor_trail (
       id bigint PRIMARY KEY,
       ts timestamptz NOT NULL,
       action text NOT NULL CHECK (action IN ('add', 'passwd', 'remove')),
       auditor_code text NOT NULL,
       actor_code text NOT NULL,
       prev_hash text NOT NULL,
       hash text NOT NULL
     )`,
    `CREATE TABLE hub_auditor_trail_names (code text PRIMARY KEY, name text NOT NULL)`,
    // Not a defence against the database's owner (the hash chain is what shows their edits),
    // but no slip of a query or a retention job changes the trail unnoticed.
    `CREATE FUNCTION hub_auditor_trail_refuse() RETURNS trigger LANGUAGE plpgsql AS
       $$ BEGIN RAISE EXCEPTION 'hub_auditor_trail is append-only'; END $$`,
    `CREATE TRIGGER hub_auditor_trail_append_only BEFORE UPDATE OR DELETE ON hub_auditor_trail
       FOR EACH ROW EXECUTE FUNCTION hub_auditor_trail_refuse()`,
    `CREATE TRIGGER hub_auditor_trail_no_truncate BEFORE TRUNCATE ON hub_auditor_trail
       FOR EACH STATEMENT EXECUTE FUNCTION hub_auditor_trail_refuse()`,
  ],
];

/** Applies what is missing, under an advisory lock (hubs starting together, a CLI beside them). */
export async function migrateAuditorTables(store: HubStore): Promise<void> {
  await store.transaction(async (tx: Sql) => {
    await tx.query("SELECT pg_advisory_xact_lock(7466)");
    await tx.query(
      "CREATE TABLE IF NOT EXISTS hub_auditor_schema (version int PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())",
    );
    const [row] = await tx.query<{ v: number | null }>("SELECT max(version) AS v FROM hub_auditor_schema");
    for (let v = row?.v ?? 0; v < STEPS.length; v++) {
      for (const statement of STEPS[v] as string[]) await tx.query(statement);
      await tx.query("INSERT INTO hub_auditor_schema (version) VALUES ($1)", [v + 1]);
    }
  });
}
