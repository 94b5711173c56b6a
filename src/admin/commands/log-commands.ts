import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import { ActorCodes } from "../../audit/actor-codes.js";
import { AdminCodeBook } from "../../audit/admin-code-book.js";
import type { AuditRecord } from "../../audit/audit-log.js";
import { CSV_COLUMNS, csvCell, toCsvLine, toJsonLine } from "../../audit/export-format.js";
import { checkHead, signHead } from "../../audit/signed-head.js";
import { loadCredentialKey } from "../../secrets/credential-key.js";
import { loadDeviceKey } from "../../secrets/device-key.js";
import { type CliIo, openReadOnlyContext, type ReadOnlyContext } from "../cli-context.js";
import { parseTimeArg, UsageError } from "../cli-errors.js";
import { type ProgressLine, progressLine } from "../progress-line.js";

/** More rows than this are an export, not a tail. */
export const LOG_TAIL_MAX = 100_000;

export const LOG_USAGE = `doorward log tail [-n N] [--format json|csv] [--with-names]   (N: 1 to ${LOG_TAIL_MAX})
doorward log export --format json|csv [--since T] [--until T] [--user USER] [--pseudonymous | --with-names]
doorward log verify [--head FILE]      (FILE: a head kept from \`doorward log head\`)
doorward log head                      (the newest row's seq and hash, signed with the device key)`;

export async function logCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      format: { type: "string" },
      since: { type: "string" },
      until: { type: "string" },
      user: { type: "string" },
      n: { type: "string", short: "n" },
      pseudonymous: { type: "boolean" },
      "with-names": { type: "boolean" },
      head: { type: "string" },
    },
  });
  if (positionals.length)
    throw new UsageError(`log ${sub}: unexpected argument '${positionals[0]}'`, LOG_USAGE);
  if (!sub || !["tail", "export", "verify", "head"].includes(sub)) {
    throw new UsageError(sub ? `unknown log command '${sub}'` : "missing log command", LOG_USAGE);
  }
  const format = values.format ?? (sub === "tail" ? "json" : undefined);
  if (sub === "export" && format === undefined)
    throw new UsageError("log export: --format json|csv is required", LOG_USAGE);
  if (format !== undefined && format !== "json" && format !== "csv") {
    throw new UsageError(`--format: expected json or csv, got '${format}'`, LOG_USAGE);
  }
  // Pseudonymous (user codes, admin codes) is the default; names are joined at export time.
  if (values.pseudonymous && values["with-names"])
    throw new UsageError("--pseudonymous and --with-names conflict", LOG_USAGE);
  if (values["with-names"] && sub !== "export" && sub !== "tail")
    throw new UsageError("--with-names only goes with export or tail", LOG_USAGE);
  if (values.head !== undefined && sub !== "verify")
    throw new UsageError("--head only goes with verify", LOG_USAGE);
  const count = values.n === undefined ? 20 : Number(values.n);
  if (values.n !== undefined && sub !== "tail") throw new UsageError("-n only goes with tail", LOG_USAGE);
  if (!/^\d+$/.test(values.n ?? "20") || !Number.isSafeInteger(count) || count < 1 || count > LOG_TAIL_MAX)
    throw new UsageError(
      `-n: expected a whole number from 1 to ${LOG_TAIL_MAX}, got '${values.n}'`,
      LOG_USAGE,
    );
  const now = systemClock.now();
  const sinceMs = values.since ? parseTimeArg("--since", values.since, now) : undefined;
  const untilMs = values.until ? parseTimeArg("--until", values.until, now) : undefined;
  const headText = values.head === undefined ? undefined : readHeadFile(values.head);

  // Every log command only reads: the database is opened read-only and nothing is created.
  const ctx = openReadOnlyContext(values.config, io.env);
  const write = (text: string) => io.stdout.write(`${text}\n`);
  try {
    if (sub === "verify")
      return verify(
        ctx,
        headText,
        write,
        progressLine(io.stderr, "verifying", () => systemClock.now()),
      );
    if (sub === "head") {
      const head = signHead(ctx.db, ctx.settings.door_id, loadDeviceKey(ctx.settings.data_dir), now);
      if (!head) {
        io.stderr.write("doorward log: the log is empty; no head to sign\n");
        return 1;
      }
      write(head);
      return 0;
    }
    const withNames = values["with-names"] === true;
    const names = withNames ? new Map(ctx.users.list().map((u) => [u.userCode, u.name])) : null;
    // The credential key: with a fleet key, an admin has the same code at every door.
    const actors = withNames ? null : new ActorCodes(loadCredentialKey(ctx.settings));
    // An erased person's name is their code: nothing personal is left to join.
    const nameOf = (r: AuditRecord) => {
      const n = r.userCode ? names?.get(r.userCode) : undefined;
      return n && n !== r.userCode ? n : null;
    };
    // Rows store admin codes; on the device, --with-names shows the accounts they stand for.
    const accounts = withNames ? new AdminCodeBook(ctx.db, null) : null;
    const line = actors
      ? (r: AuditRecord) => (format === "csv" ? toCsvLine : toJsonLine)(actors.record(r))
      : format === "csv"
        ? (r: AuditRecord) => `${toCsvLine(accounts?.namedRecord(r) ?? r)},${csvCell(nameOf(r))}`
        : (r: AuditRecord) =>
            JSON.stringify({ ...JSON.parse(toJsonLine(accounts?.namedRecord(r) ?? r)), name: nameOf(r) });
    if (format === "csv") write([...CSV_COLUMNS, ...(names ? ["name"] : [])].join(","));
    if (sub === "tail") {
      for (const r of ctx.audit.tail(count)) write(line(r));
      return 0;
    }
    const userCode = values.user ? ctx.users.require(values.user).userCode : undefined;
    for (const r of ctx.audit.query({ sinceMs, untilMs, userCode })) write(line(r));
    return 0;
  } finally {
    ctx.close();
  }
}

function readHeadFile(path: string): string {
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new UsageError(
      `--head: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
    );
  }
}

function verify(
  ctx: ReadOnlyContext,
  headText: string | undefined,
  write: (text: string) => void,
  progress: ProgressLine,
): number {
  const result = ctx.audit.verify(({ checked, total }) => progress.update(checked, total));
  progress.end();
  if (!result.ok) {
    write(
      `TAMPERED: row ${result.firstBad?.seq}: ${result.firstBad?.problem} (${result.checked} rows before it are intact)`,
    );
    return 1;
  }
  if (headText !== undefined) {
    const head = checkHead(headText, ctx.settings.door_id, loadDeviceKey(ctx.settings.data_dir), ctx.db);
    if (!head.ok) {
      write(`TAMPERED: ${head.seq === undefined ? "" : `row ${head.seq}: `}${head.problem}`);
      return 1;
    }
    write(
      `ok: ${result.checked} rows, chain intact, signed head at row ${head.seq} matches${head.note ? ` (${head.note})` : ""}`,
    );
    return 0;
  }
  write(`ok: ${result.checked} rows, chain intact`);
  return 0;
}
