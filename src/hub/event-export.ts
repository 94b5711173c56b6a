import { csvCell } from "../audit/export-format.js";
import { HUB_EVENT_COLUMNS, type HubEventRow } from "./hub-queries.js";

export type ExportFormat = "json" | "csv";

/**
 * One export format for `doorward hub query --format json|csv` and the auditor page's export:
 * JSON lines (one object per event) or CSV with a header, the same columns in the same order.
 * CSV cells are guarded against spreadsheet formulas (csvCell).
 */
export function exportHeader(format: ExportFormat): string | null {
  return format === "csv" ? HUB_EVENT_COLUMNS.join(",") : null;
}

export function exportLine(row: HubEventRow, format: ExportFormat): string {
  return format === "json" ? JSON.stringify(row) : HUB_EVENT_COLUMNS.map((c) => csvCell(row[c])).join(",");
}
