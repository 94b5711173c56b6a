import type { ServerResponse } from "node:http";
import { z } from "zod";
import { ActorCodes } from "../../audit/actor-codes.js";
import type { AuditRecord } from "../../audit/audit-log.js";
import { CSV_COLUMNS, toCsvLine, toJsonLine } from "../../audit/export-format.js";
import { loadCredentialKey } from "../../secrets/credential-key.js";
import { liveStatus } from "./door-routes.js";
import { HttpError, type Router, validate } from "./router.js";
import { type SessionEnd, tokenHash } from "./session-store.js";
import type { WebDeps } from "./web-deps.js";

const DAY_MS = 86_400_000;
/** How often an open live feed re-reads its session: the feed ends within this long of the session. */
const CHECK_MS = 1000;
const KEEP_ALIVE_TICKS = 20;
const time = z.iso.datetime({ offset: true }).or(z.iso.date());

const filterSchema = z
  .object({
    since: time.optional(),
    until: time.optional(),
    user: z.string().min(1).max(100).optional(),
    outcome: z.enum(["granted", "denied"]).optional(),
    reason: z
      .string()
      .regex(/^[a-z0-9_]{1,64}$/, "a reason code such as unknown_credential")
      .optional(),
    limit: z.coerce.number().int().min(1).max(5000).default(200),
    format: z.enum(["csv", "json"]).default("json"),
  })
  .strict();

/** One row as the page and exports see it: snake_case, ISO time, user codes, no names or secrets. */
export const recordJson = (r: AuditRecord): unknown => JSON.parse(toJsonLine(r));

/** The live streams open now, so stop() can end them (an SSE response never ends by itself). */
export class EventStreams {
  readonly open = new Map<ServerResponse, () => void>();
  closeAll(): void {
    for (const [res, unsubscribe] of [...this.open]) {
      unsubscribe();
      res.end();
    }
    this.open.clear();
  }
}

/** The log with filters, exports, and the live feed as Server-Sent Events. */
export function addLogRoutes(router: Router, deps: WebDeps, streams: EventStreams): void {
  const { audit, users, door, clock, health, sessions } = deps;

  function filtered(query: URLSearchParams) {
    const f = validate(filterSchema, Object.fromEntries(query));
    const sinceMs = f.since ? Date.parse(f.since) : undefined;
    // A bare date as `until` means the whole of that day.
    const untilMs = f.until ? Date.parse(f.until) + (f.until.length === 10 ? DAY_MS - 1 : 0) : undefined;
    if (sinceMs !== undefined && untilMs !== undefined && untilMs < sinceMs)
      throw new HttpError(400, "must not be before since", "until");
    let userCode: string | undefined;
    if (f.user) {
      const user = users.find(f.user);
      // A removed person's rows stay under their code, so a well-formed code is searched as is.
      userCode = user?.userCode ?? (/^u-[0-9A-Z]{6}$/.test(f.user) ? f.user : undefined);
      if (!userCode) throw new HttpError(400, `no such person: '${f.user}'`, "user");
    }
    function* rows(): Generator<AuditRecord> {
      for (const r of audit.query({ sinceMs, untilMs, userCode })) {
        if (f.outcome && r.outcome !== f.outcome) continue;
        if (f.reason && r.reason !== f.reason) continue;
        yield r;
      }
    }
    return { f, rows };
  }

  router.add("GET", "/api/log", ({ query }) => {
    const { f, rows } = filtered(query);
    const newest: AuditRecord[] = [];
    let total = 0;
    for (const r of rows()) {
      newest.push(r);
      total++;
      if (newest.length > f.limit) newest.shift();
    }
    // The page is on the device: admin codes are shown as the accounts they stand for.
    return {
      json: { total, events: newest.reverse().map((r) => recordJson(deps.adminCodes.namedRecord(r))) },
    };
  });

  router.add("GET", "/api/log/export", ({ query, res }) => {
    const { f, rows } = filtered(query);
    // A download leaves the device: admin accounts become admin codes (src/audit/actor-codes.ts).
    const actors = new ActorCodes(loadCredentialKey(deps.settings));
    const stamp = new Date(clock.now()).toISOString().replace(/[:.]/g, "-");
    res.writeHead(200, {
      "content-type": f.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8",
      "content-disposition": `attachment; filename="doorward-log-${stamp}.${f.format}"`,
      "cache-control": "no-store",
    });
    // Rows are written as the query walks the table: a year of log never sits in memory at once.
    if (f.format === "csv") {
      res.write(`${CSV_COLUMNS.join(",")}\r\n`);
      for (const r of rows()) res.write(`${toCsvLine(actors.record(r))}\r\n`);
    } else {
      res.write("[");
      let first = true;
      for (const r of rows()) {
        res.write(`${first ? "\n" : ",\n"}${toJsonLine(actors.record(r))}`);
        first = false;
      }
      res.write("\n]\n");
    }
    res.end();
    return undefined;
  });

  router.add("GET", "/api/events", ({ req, res, session }) => {
    const token = session?.id ?? "";
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      "x-accel-buffering": "no",
    });
    const send = (event: string, data: unknown) => {
      if (!res.writableEnded) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
    };
    res.write("retry: 3000\n\n");
    // `status` carries lock, door, mode and device health; sent on any change to one of them.
    const sendStatus = () => send("status", liveStatus(deps));
    sendStatus();
    const offAudit = audit.onAppend((r) => {
      if (!stillLive()) return; // not one row after the session ended, even between checks
      send("audit", recordJson(deps.adminCodes.namedRecord(r)));
      if (r.reason === "door_mode_changed") sendStatus();
    });
    const offDoor = door.onChange(sendStatus);
    const offHealth = health.onChange(sendStatus);
    // The stream delivers who entered and when, so it lives no longer than its session: a logout
    // here ends it at once; an expiry, or an admin removed or re-passworded from the CLI (another
    // process, seen only in the database), within CHECK_MS and before any further audit row.
    // The check does not touch the session.
    const endStream = (why: SessionEnd) => {
      send("session_ended", { reason: why });
      close();
      res.end();
    };
    const ownHash = tokenHash(token);
    const offSessionEnd = sessions.onEnd((hash, why) => {
      if (hash === ownHash) endStream(why);
    });
    let cancelCheck = () => {};
    let ticks = 0;
    /** Reads the session (one indexed query, no touch); ends the stream if it is gone. */
    function stillLive(): boolean {
      if (res.writableEnded) return false;
      let found: ReturnType<typeof sessions.lookup>;
      try {
        found = sessions.lookup(token);
      } catch {
        found = "revoked"; // the session cannot be confirmed (database error): stop delivering events
      }
      if (typeof found !== "string") return true;
      endStream(found);
      return false;
    }
    const check = () => {
      if (!stillLive()) return;
      // A comment line now and then keeps proxies and phones from dropping an idle stream.
      if (++ticks % KEEP_ALIVE_TICKS === 0) res.write(": keep-alive\n\n");
      cancelCheck = clock.setTimeout(check, CHECK_MS);
    };
    cancelCheck = clock.setTimeout(check, CHECK_MS);
    const close = () => {
      offAudit();
      offDoor();
      offHealth();
      offSessionEnd();
      cancelCheck();
      streams.open.delete(res);
    };
    streams.open.set(res, close);
    req.once("close", close);
    res.once("close", close);
    return undefined;
  });
}
