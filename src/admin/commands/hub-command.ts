import { parseArgs } from "node:util";
import type { HubSettings } from "../../config/hub-schema.js";
import { exportHeader, exportLine } from "../../hub/event-export.js";
import { type TrailVerdict, verifyAuditorTrail } from "../../hub/http/auditor-trail.js";
import {
  checkTrailKey,
  readTrailKey,
  trailKeyFinding,
  trailKeyPath,
} from "../../hub/http/auditor-trail-key.js";
import { startHub } from "../../hub/hub-main.js";
import {
  approveDoor,
  type ChainVerdict,
  enrolDoor,
  listDoors,
  queryEvents,
  verifyChains,
} from "../../hub/hub-queries.js";
import { purgeHub } from "../../hub/hub-retention.js";
import { openHubStore } from "../../hub/store/open-hub-store.js";
import { createLogger } from "../../logger.js";
import { loadPublicKey } from "../../mqtt/signed-envelope.js";
import { type CliIo, resolveSettings } from "../cli-context.js";
import { parseTimeArg, UsageError } from "../cli-errors.js";
import { HUB_AUDITOR_USAGE, parseAuditorArgs, runAuditorCommand } from "./hub-auditor-command.js";

export const HUB_USAGE = `doorward hub [start]                 the site's audit hub (hub.* in the config)
doorward hub query [--door D] [--user CODE] [--since T] [--until T] [--reason R] [--format table|json|csv]
doorward hub doors [--format table|json]
doorward hub verify [--door D]      (without --door also the auditor trail)
doorward hub enrol DOOR --key FILE_OR_PEM [--prefix P]
doorward hub approve DOOR
doorward hub purge
${HUB_AUDITOR_USAGE}`;

const SUBCOMMANDS = ["start", "query", "doors", "verify", "enrol", "approve", "purge", "auditor"];

export async function hubCommand(args: string[], io: CliIo): Promise<number> {
  const sub = args[0] && !args[0].startsWith("-") ? args[0] : "start";
  const rest = args[0] === sub ? args.slice(1) : args;
  if (!SUBCOMMANDS.includes(sub)) throw new UsageError(`unknown hub command '${sub}'`, HUB_USAGE);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      door: { type: "string" },
      user: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      reason: { type: "string" },
      format: { type: "string" },
      key: { type: "string" },
      prefix: { type: "string" },
      "new-trail-key": { type: "boolean" },
    },
  });
  const newTrailKey = values["new-trail-key"] === true;
  if (sub === "auditor") {
    parseAuditorArgs(positionals); // wrong words exit 2 before the config or database is read
    return runAuditorCommand(resolveSettings(values.config, io.env).hub, positionals, io, { newTrailKey });
  }
  if (newTrailKey)
    throw new UsageError("--new-trail-key: only with hub auditor add, passwd or remove", HUB_USAGE);
  const takesDoor = sub === "enrol" || sub === "approve";
  if (takesDoor && positionals.length !== 1) throw new UsageError(`hub ${sub}: expected one DOOR`, HUB_USAGE);
  if (!takesDoor && positionals.length)
    throw new UsageError(`hub ${sub}: unexpected argument '${positionals[0]}'`, HUB_USAGE);
  const format = values.format ?? "table";
  const formats = sub === "query" ? ["table", "json", "csv"] : sub === "doors" ? ["table", "json"] : [];
  if (values.format !== undefined && !formats.includes(format))
    throw new UsageError(
      formats.length
        ? `--format: expected ${formats.join(", ")}, got '${format}'`
        : `hub ${sub} takes no --format`,
      HUB_USAGE,
    );
  if (sub === "enrol" && !values.key)
    throw new UsageError("hub enrol: --key FILE_OR_PEM is required", HUB_USAGE);
  const now = Date.now();
  const time = (flag: string, v: string | undefined) => {
    try {
      return v === undefined ? undefined : parseTimeArg(flag, v, now);
    } catch (err) {
      throw new UsageError((err as Error).message, HUB_USAGE);
    }
  };
  const sinceMs = time("--since", values.since);
  const untilMs = time("--until", values.until);
  let publicKeyPem: string | null = null;
  if (values.key) {
    try {
      publicKeyPem = loadPublicKey(values.key).export({ type: "spki", format: "pem" }).toString();
    } catch (err) {
      throw new UsageError(
        `--key: not an Ed25519 public key (PEM or a PEM file): ${(err as Error).message}`,
        HUB_USAGE,
      );
    }
  }
  const hub: HubSettings = resolveSettings(values.config, io.env).hub;
  const write = (text: string) => io.stdout.write(`${text}\n`);

  if (sub === "start") return runHub(hub, io, write);
  const store = await openHubStore({ databaseUrl: hub.database_url, dataDir: hub.data_dir });
  try {
    switch (sub) {
      case "query": {
        const rows = await queryEvents(store, {
          door: values.door,
          user: values.user,
          reason: values.reason,
          sinceMs,
          untilMs,
        });
        if (format === "json" || format === "csv") {
          const header = exportHeader(format);
          if (header) write(header);
          for (const r of rows) write(exportLine(r, format));
        } else write(table(["ts", "door", "seq", "outcome", "reason", "user_code"], rows));
        return 0;
      }
      case "doors": {
        const doors = await listDoors(store);
        if (format === "json") for (const d of doors) write(JSON.stringify(d));
        else
          write(
            table(
              [
                "door",
                "status",
                "online",
                "last_seen",
                "last_seq",
                "chain_state",
                "state_seq",
                "lag_ms",
                "head_seq",
                "head_verified",
                "doors",
              ],
              // A controller with several doors is one chain: its row lists them ("cage,outer").
              doors,
            ),
          );
        return 0;
      }
      case "verify": {
        const verdicts = await verifyChains(store, values.door);
        if (values.door && verdicts.length === 0) {
          io.stderr.write(`doorward hub verify: no door '${values.door}' at this hub\n`);
          return 1;
        }
        for (const v of verdicts) write(verdictLine(v));
        if (values.door) return verdicts.every((v) => v.ok) ? 0 : 1;
        // Without --door, the whole hub: its own record of auditor changes too.
        const trail = await verifyAuditorTrail(store);
        write(trailVerdictLine(trail));
        // Whose names the trail shows: a finding when its key is gone or another, but the hashed
        // rows do not depend on the key, so only a broken chain fails the check.
        const keyFinding = trailKeyFinding(
          await checkTrailKey(store, readTrailKey(hub.data_dir)),
          trailKeyPath(hub.data_dir),
        );
        if (keyFinding) write(keyFinding);
        return verdicts.every((v) => v.ok) && trail.ok ? 0 : 1;
      }
      case "enrol": {
        const door = positionals[0] as string;
        await enrolDoor(store, door, publicKeyPem as string, values.prefix ?? `${hub.prefix}/${door}`);
        write(`enrolled ${door}: its signed heads are verified with this key`);
        return 0;
      }
      case "approve": {
        const door = positionals[0] as string;
        if (!(await approveDoor(store, door))) {
          io.stderr.write(`doorward hub approve: no door '${door}' at this hub (see 'doorward hub doors')\n`);
          return 1;
        }
        write(`approved ${door}`);
        return 0;
      }
      default: {
        if (hub.retention_days === null) {
          io.stderr.write("doorward hub purge: hub.retention_days is not set; nothing is purged\n");
          return 1;
        }
        const r = await purgeHub(store, hub.retention_days, now);
        write(
          `dropped ${r.droppedMonths.length} month(s)${r.droppedMonths.length ? `: ${r.droppedMonths.join(", ")}` : ""}`,
        );
        return 0;
      }
    }
  } finally {
    await store.close();
  }
}

function verdictLine(v: ChainVerdict): string {
  return v.ok
    ? `${v.door}: ok, ${v.checked} rows, chain intact`
    : `${v.door}: BROKEN at seq ${v.firstBad?.seq}: ${v.firstBad?.problem} (${v.checked} rows before it are intact)`;
}

function trailVerdictLine(v: TrailVerdict): string {
  return v.ok
    ? `auditor trail: ok, ${v.checked} rows, chain intact`
    : `auditor trail: BROKEN at row ${v.firstBad?.id}: ${v.firstBad?.problem} (${v.checked} rows before it are intact)`;
}

async function runHub(hub: HubSettings, io: CliIo, write: (t: string) => void): Promise<number> {
  const log = createLogger(io.env.DOORWARD_LOG_LEVEL ?? "info");
  const running = await startHub(hub, log);
  write(
    `doorward hub: collecting ${hub.prefix}/+/event from ${hub.mqtt_url} into ${hub.database_url ? "PostgreSQL" : `PGlite in ${hub.data_dir}`}`,
  );
  if (running.page)
    write(
      `auditors' page: ${running.page.url} (certificate SHA-256 ${running.page.fingerprint256}); accounts: 'doorward hub auditor add NAME'${hub.database_url ? "" : " with the hub stopped (embedded database)"}`,
    );
  running.service.onBatch((r) => {
    if (r.stored) write(`stored ${r.stored} event(s)`);
    for (const a of r.alerts) write(`ALERT ${a.kind} door=${a.door}${a.seq !== null ? ` seq=${a.seq}` : ""}`);
  });
  await new Promise<void>((resolve) => {
    process.once("SIGINT", resolve);
    process.once("SIGTERM", resolve);
  });
  await running.stop();
  return 0;
}

function table<T extends object>(columns: string[], rows: T[]): string {
  const cell = (r: T, c: string) => {
    const v = (r as Record<string, unknown>)[c];
    return v === null || v === undefined ? "-" : String(v);
  };
  const widths = columns.map((c) => Math.max(c.length, ...rows.map((r) => cell(r, c).length)));
  const line = (cells: string[]) =>
    cells
      .map((x, i) => x.padEnd(widths[i] ?? 0))
      .join("  ")
      .trimEnd();
  return [line(columns), ...rows.map((r) => line(columns.map((c) => cell(r, c))))].join("\n");
}
