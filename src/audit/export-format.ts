import type { AuditRecord } from "./audit-log.js";

/**
 * The reader a row came from. It is kept in the row's detail (hashed with the row; the chain
 * format is unchanged) by controllers with a `doors:` list; a single-door file's rows have the
 * credential column instead, and null here.
 */
export function readerOf(r: AuditRecord): string | null {
  const reader = r.detail?.reader;
  return typeof reader === "string" ? reader : null;
}

/**
 * The exported shape of one row: stable snake_case keys, ISO 8601 time, no names or secrets.
 * JSON lines carry `reader` as a key of its own; CSV keeps its columns (the reader is in detail).
 */
export function toExportRow(r: AuditRecord): Record<string, string | number | null> {
  return {
    ts: new Date(r.tsMs).toISOString(),
    seq: r.seq,
    door: r.door,
    reader: readerOf(r),
    kind: r.kind,
    credential: r.credential,
    outcome: r.outcome,
    reason: r.reason,
    user_code: r.userCode,
    detail: r.detail ? JSON.stringify(r.detail) : null,
    hash: r.hash,
  };
}

export const CSV_COLUMNS = [
  "ts",
  "seq",
  "door",
  "kind",
  "credential",
  "outcome",
  "reason",
  "user_code",
  "detail",
  "hash",
];

/** RFC 4180 quoting; a leading = + - @ is prefixed so a spreadsheet never runs a cell as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return "";
  let text = String(value);
  if (/^[=+\-@]/.test(text) && typeof value === "string") text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function toCsvLine(r: AuditRecord): string {
  const row = toExportRow(r);
  return CSV_COLUMNS.map((c) => csvCell(row[c] ?? null)).join(",");
}

export function toJsonLine(r: AuditRecord): string {
  const { detail, ...rest } = toExportRow(r);
  return JSON.stringify({ ...rest, detail: r.detail });
}
