import type { Migration } from "../migrations.js";

/**
 * Fingerprint and badge credentials need two channels between the CLI (another process) and
 * the service that owns the sensor:
 * - sensor_requests: the CLI asks for an enrolment or a consistency check; the running service
 *   picks the oldest 'requested' row, appends prompts as the person is guided, and ends it
 *   'done' (result JSON) or 'failed' (error). The CLI polls the row and prints the prompts.
 * - pending_sensor_deletes: a trigger queues the slot of every fingerprint credential deleted
 *   (by `fingerprint remove`, or by the cascade when a user is removed); the service drains it
 *   by deleting the template on the sensor. Until drained, the slot is unknown to the store, so
 *   the finger is denied anyway (fail-secure), and it is never handed out to a new enrolment.
 */
/** Also re-created by every later migration that rebuilds the credentials table (a rebuild drops triggers). */
export const FINGERPRINT_DELETE_TRIGGER = `
    CREATE TRIGGER fingerprint_credential_deleted AFTER DELETE ON credentials
    WHEN old.kind = 'fingerprint'
    BEGIN
      INSERT OR IGNORE INTO pending_sensor_deletes (slot, queued_ms)
      VALUES (CAST(old.lookup AS INTEGER), CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
    END;`;

export const credentialsMigration: Migration = {
  version: 2,
  name: "fingerprint enrolment requests and pending sensor deletes",
  sql: `
    CREATE TABLE sensor_requests (
      id INTEGER PRIMARY KEY,
      kind TEXT NOT NULL CHECK (kind IN ('enroll', 'check')),
      user_id INTEGER REFERENCES users(id) ON DELETE SET NULL,
      slot INTEGER,
      state TEXT NOT NULL DEFAULT 'requested' CHECK (state IN ('requested', 'running', 'done', 'failed')),
      prompts TEXT NOT NULL DEFAULT '[]',
      result TEXT,
      error TEXT,
      actor TEXT NOT NULL,
      requested_ms INTEGER NOT NULL,
      updated_ms INTEGER NOT NULL
    );
    CREATE INDEX sensor_requests_state ON sensor_requests(state, id);
    CREATE TABLE pending_sensor_deletes (
      slot INTEGER PRIMARY KEY,
      queued_ms INTEGER NOT NULL
    );
    ${FINGERPRINT_DELETE_TRIGGER}
  `,
};
