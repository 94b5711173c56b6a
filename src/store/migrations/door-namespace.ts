import type { Migration } from "../migrations.js";

const bump = "UPDATE policy_revision SET n = n + 1 WHERE id = 1;";
/** A door's mode key (src/store/door-state.ts doorModeKey), and the single-door key before it. */
const isMode = (k: string) => `(${k} = 'door:mode' OR ${k} GLOB 'door:*:mode')`;

/**
 * Migration 8: several doors, each with its mode under `door:<id>:mode`. Migration 6's triggers
 * move the policy revision only for the single key `door:mode`; these move it for any door's
 * mode, so a mode set by the CLI for one door reaches that door's next attempt. The keys
 * themselves are moved by door-state.ts moveSingleDoorState, which knows the configured door id.
 */
export const doorNamespaceMigration: Migration = {
  version: 8,
  name: "policy revision follows every door's mode",
  sql: `
    DROP TRIGGER kv_mode_insert_revision;
    DROP TRIGGER kv_mode_update_revision;
    DROP TRIGGER kv_mode_delete_revision;
    CREATE TRIGGER kv_mode_insert_revision AFTER INSERT ON kv WHEN ${isMode("new.key")} BEGIN ${bump} END;
    CREATE TRIGGER kv_mode_update_revision AFTER UPDATE ON kv WHEN ${isMode("new.key")} OR ${isMode("old.key")} BEGIN ${bump} END;
    CREATE TRIGGER kv_mode_delete_revision AFTER DELETE ON kv WHEN ${isMode("old.key")} BEGIN ${bump} END;
  `,
};
