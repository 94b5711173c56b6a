import { expect } from "vitest";
import type { Harness } from "./harness.js";

/**
 * Caps the database file at its current size and fills the audit table's last page with genuine
 * rows until SQLite reports SQLITE_FULL, as on a full disk. Returns the cure: lifting the cap.
 */
export function fillDisk(h: Harness): () => void {
  const { db, audit } = h.app.services;
  const pages = db.pragma("page_count", { simple: true }) as number;
  db.pragma(`max_page_count = ${pages}`);
  expect(() => {
    for (let i = 0; i < 100_000; i++) audit.append({ kind: "system", reason: "filler" }, h.clock.now());
  }).toThrow(/full/);
  return () => db.pragma(`max_page_count = ${pages + 10_000}`);
}
