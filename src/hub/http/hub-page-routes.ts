import { z } from "zod";
import { parseTimeArg } from "../../admin/cli-errors.js";
import { HttpError, type Router, validate } from "../../admin/http/router.js";
import { type ExportFormat, exportHeader, exportLine } from "../event-export.js";
import { type EventFilter, listDoors } from "../hub-queries.js";
import type { HubStore } from "../store/hub-store.js";
import type { AuditorAccounts } from "./auditor-accounts.js";
import { readTrail, verifyAuditorTrail } from "./auditor-trail.js";
import { checkTrailKey, readTrailKey } from "./auditor-trail-key.js";
import {
  allEvents,
  decodeCursor,
  encodeCursor,
  entriesPerHour,
  eventsPage,
  listAlerts,
} from "./page-queries.js";

const PAGE_SIZE = 100;
const HOUR_MS = 3_600_000;
/** A chart of at most 31 days: 744 hourly bars per door is already more than a screen shows. */
const CHART_MAX_MS = 31 * 24 * HOUR_MS;

const text = (max: number) => z.string().trim().min(1).max(max).optional();
const filterQuery = z.object({
  door: text(128),
  user: text(32),
  reason: text(64),
  since: text(40),
  until: text(40),
});

/** The search's filter from the query string, times as ISO 8601 or an age ("24h"), as the CLI takes them. */
function filterOf(query: URLSearchParams, nowMs: number): EventFilter {
  const q = validate(
    filterQuery,
    Object.fromEntries(
      ["door", "user", "reason", "since", "until"].map((k) => [k, query.get(k) || undefined]),
    ),
  );
  const time = (field: "since" | "until") => {
    const v = q[field];
    if (v === undefined) return undefined;
    try {
      return parseTimeArg(field, v, nowMs);
    } catch (err) {
      throw new HttpError(400, (err as Error).message, field);
    }
  };
  const f: EventFilter = {
    door: q.door,
    user: q.user,
    reason: q.reason,
    sinceMs: time("since"),
    untilMs: time("until"),
  };
  if (f.sinceMs !== undefined && f.untilMs !== undefined && f.untilMs <= f.sinceMs)
    throw new HttpError(400, "until must be after since", "until");
  return f;
}

/**
 * The auditor page's read-only API: the doors with their chain state, the event search (paged)
 * and its export, entries and denials per door per hour, and the alerts. Nothing here writes
 * to the hub's database except the session rows; nothing names a person, only user codes.
 */
export function addHubPageRoutes(
  router: Router,
  deps: { store: HubStore; accounts: AuditorAccounts; now: () => number; dataDir: string },
): void {
  const { store, now } = deps;

  router.add(
    "GET",
    "/api/setup",
    async () => {
      const exist = await deps.accounts.any();
      return {
        json: { auditors_exist: exist, create_auditor: exist ? null : "doorward hub auditor add NAME" },
      };
    },
    { auth: "none" },
  );

  router.add("GET", "/api/doors", async () => ({ json: { doors: await listDoors(store) } }));

  router.add("GET", "/api/events", async ({ query }) => {
    const filter = filterOf(query, now());
    const afterText = query.get("after");
    const after = afterText ? decodeCursor(afterText) : null;
    if (afterText && !after) throw new HttpError(400, "after: not a cursor this page gave out", "after");
    const page = await eventsPage(store, filter, after, PAGE_SIZE);
    return { json: { events: page.rows, next: page.next ? encodeCursor(page.next) : null } };
  });

  router.add("GET", "/api/events/export", async ({ query, res }) => {
    const format = query.get("format") ?? "csv";
    if (format !== "csv" && format !== "json")
      throw new HttpError(400, "format: expected csv or json", "format");
    const filter = filterOf(query, now());
    const chunks = allEvents(store, filter);
    // The first chunk is read before the headers go out, so a failing query is still a clean error.
    const first = await chunks.next();
    res.writeHead(200, {
      "content-type": format === "csv" ? "text/csv; charset=utf-8" : "application/x-ndjson; charset=utf-8",
      "content-disposition": `attachment; filename="hub-events.${format === "csv" ? "csv" : "jsonl"}"`,
    });
    const header = exportHeader(format as ExportFormat);
    if (header) res.write(`${header}\n`);
    const write = (rows: Parameters<typeof exportLine>[0][]) =>
      res.write(rows.map((r) => `${exportLine(r, format as ExportFormat)}\n`).join(""));
    if (!first.done) write(first.value);
    for await (const rows of chunks) write(rows);
    res.end();
    return undefined;
  });

  router.add("GET", "/api/chart", async ({ query }) => {
    const t = now();
    const filter = filterOf(query, t);
    const untilMs = filter.untilMs ?? Math.ceil(t / HOUR_MS) * HOUR_MS;
    const sinceMs = filter.sinceMs ?? untilMs - 24 * HOUR_MS;
    if (untilMs - sinceMs > CHART_MAX_MS)
      throw new HttpError(400, "the chart covers at most 31 days; narrow since/until", "since");
    const hours = await entriesPerHour(store, { ...filter, sinceMs, untilMs });
    return {
      json: {
        since: new Date(Math.floor(sinceMs / HOUR_MS) * HOUR_MS).toISOString(),
        until: new Date(untilMs).toISOString(),
        hours,
      },
    };
  });

  // Who was given or lost access to this page, whether that record is intact, and whether the
  // names it shows are confirmed by the trail's key (only loaded: the page never makes one).
  router.add("GET", "/api/auditor-trail", async () => ({
    json: {
      entries: await readTrail(store),
      chain: await verifyAuditorTrail(store),
      key: await checkTrailKey(store, readTrailKey(deps.dataDir)),
    },
  }));

  router.add("GET", "/api/alerts", async ({ query }) => {
    const q = validate(z.object({ door: text(128), kind: text(32) }), {
      door: query.get("door") || undefined,
      kind: query.get("kind") || undefined,
    });
    return { json: { alerts: await listAlerts(store, { ...q, limit: 500 }) } };
  });
}
