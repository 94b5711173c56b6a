import type { Migration } from "../migrations.js";

/**
 * MQTT bridge state. There is no outbox table: audit_events is the outbox, and the publish
 * cursor (`mqtt:published_seq`) and the applied allowlist version live in kv.
 * - mqtt_command_nonces: nonces of accepted signed commands, kept for the freshness window so a
 *   replay inside it is recognised (older ones are refused as stale anyway).
 * - fleet_group_members: on the admin's machine, who goes in which group's allowlist snapshot.
 */
export const mqttMigration: Migration = {
  version: 3,
  name: "mqtt command nonces, fleet group membership",
  sql: `
    CREATE TABLE mqtt_command_nonces (nonce TEXT PRIMARY KEY, ts_ms INTEGER NOT NULL);
    CREATE INDEX mqtt_command_nonces_ts ON mqtt_command_nonces(ts_ms);
    CREATE TABLE fleet_group_members (
      group_name TEXT NOT NULL,
      user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
      PRIMARY KEY (group_name, user_id)
    );
  `,
};
