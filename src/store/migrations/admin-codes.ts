import type { Migration } from "../migrations.js";

/**
 * Which admin account each admin code stands for. Audit rows store the code (`web:a-7K3M9Q`),
 * never the account name, so a row can leave the device exactly as hashed; this table never
 * leaves it, so the device alone can still say who it was. Removing an admin deletes its row.
 */
export const adminCodesMigration: Migration = {
  version: 10,
  name: "admin codes",
  sql: `
    CREATE TABLE admin_codes (
      code TEXT PRIMARY KEY,
      account TEXT NOT NULL UNIQUE
    );
  `,
};
