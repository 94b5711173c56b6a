import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import { LocalTimeConverter } from "../../access/local-time.js";
import { OccupancyLog } from "../../site/occupancy-log.js";
import { configuredDoorIds, siteRulesConfig } from "../../site/site-config.js";
import { type AdminContext, type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { LevelAdminService } from "../level-admin-service.js";
import { SCHEDULE_NAME } from "./policy-context.js";

export const LEVEL_USAGE = `doorward level add NAME --door D [--door D2 ...] [--schedule S]   (again to change a level)
doorward level list [--json]
doorward level remove NAME`;

export const PASSBACK_USAGE = `doorward passback forgive USER [--door D]   (the person counts as outside: their next entry is no passback)`;

export const OCCUPANCY_USAGE = `doorward occupancy [--json]   (who is inside each door's room now, and since when)`;

function openLevelContext(configFlag: string | undefined, env: NodeJS.ProcessEnv) {
  const ctx = openAdminContext(configFlag, env);
  const levels = new LevelAdminService(ctx.db, ctx.users, ctx.audit, systemClock, ctx.actor);
  return { ...ctx, levels };
}

/** A door id the config knows, else a usage error listing the doors. */
function requireDoor(ctx: AdminContext, door: string, usage: string): string {
  const doors = configuredDoorIds(ctx.settings);
  if (!doors.includes(door))
    throw new UsageError(`--door: no door '${door}' in the config; doors: ${doors.join(", ")}`, usage);
  return door;
}

export async function levelCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      door: { type: "string", multiple: true },
      schedule: { type: "string" },
      json: { type: "boolean" },
    },
  });
  if (!sub || !["add", "list", "remove"].includes(sub))
    throw new UsageError(sub ? `unknown level command '${sub}'` : "missing level command", LEVEL_USAGE);
  if (sub !== "add" && (values.door || values.schedule !== undefined))
    throw new UsageError(`level ${sub}: --door and --schedule only go with add`, LEVEL_USAGE);
  if (sub !== "list" && values.json)
    throw new UsageError(`level ${sub}: --json only goes with list`, LEVEL_USAGE);
  if (positionals.length !== (sub === "list" ? 0 : 1))
    throw new UsageError(`level ${sub}: wrong number of arguments`, LEVEL_USAGE);
  const name = positionals[0] ?? "";
  if (sub === "add") {
    if (!SCHEDULE_NAME.test(name))
      throw new UsageError(`level name '${name}': lowercase letters, digits, '-' or '_'`, LEVEL_USAGE);
    if (!values.door?.length) throw new UsageError("level add: at least one --door is required", LEVEL_USAGE);
  }
  const ctx = openLevelContext(values.config, io.env);
  try {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    if (sub === "add") {
      const doors = (values.door ?? []).map((d) => requireDoor(ctx, d, LEVEL_USAGE));
      const schedule = values.schedule ?? null;
      if (schedule !== null && !new Set(listScheduleNames(ctx)).has(schedule))
        throw new UsageError(`--schedule: no such schedule '${schedule}'`, LEVEL_USAGE);
      const level = ctx.levels.putLevel(name, doors, schedule);
      out(
        `level ${level.name}: doors ${level.doors.join(", ")}; ${level.schedule ? `schedule ${level.schedule}` : "any time"}`,
      );
    } else if (sub === "remove") {
      ctx.levels.removeLevel(name);
      out(`level ${name} removed`);
    } else {
      const list = ctx.levels.levels.list();
      if (values.json) out(JSON.stringify(list.map(({ id: _id, ...l }) => l)));
      else {
        out(["LEVEL", "DOORS", "SCHEDULE", "HOLDERS"].join("\t"));
        for (const l of list) out([l.name, l.doors.join(","), l.schedule ?? "-", l.holders].join("\t"));
      }
    }
    return 0;
  } finally {
    ctx.close();
  }
}

function listScheduleNames(ctx: AdminContext): string[] {
  return ctx.db.prepare<[], string>("SELECT name FROM schedules").pluck().all();
}

export async function passbackCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" }, door: { type: "string" } },
  });
  if (sub !== "forgive")
    throw new UsageError(
      sub ? `unknown passback command '${sub}'` : "missing passback command",
      PASSBACK_USAGE,
    );
  if (positionals.length !== 1)
    throw new UsageError("passback forgive: expected exactly one USER", PASSBACK_USAGE);
  const ctx = openLevelContext(values.config, io.env);
  try {
    const door = values.door === undefined ? null : requireDoor(ctx, values.door, PASSBACK_USAGE);
    const user = ctx.levels.forgivePassback(positionals[0] as string, door);
    io.stdout.write(`${user.userCode} counts as outside ${door === null ? "every room" : `door ${door}`}\n`);
    return 0;
  } finally {
    ctx.close();
  }
}

export async function occupancyCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: "string" }, json: { type: "boolean" } },
  });
  if (positionals.length !== 0) throw new UsageError("occupancy takes no arguments", OCCUPANCY_USAGE);
  const ctx = openAdminContext(values.config, io.env);
  try {
    const config = siteRulesConfig(ctx.settings);
    const log = new OccupancyLog(
      ctx.db,
      new Map(config.doors.map((d) => [d.id, d.forgiveAtMin])),
      new LocalTimeConverter(ctx.settings.policy.timezone),
    );
    const now = systemClock.now();
    const names = new Map(ctx.users.list().map((u) => [u.userCode, u.name]));
    const rooms = config.doors
      .filter((d) => d.tracksOccupancy)
      .map((d) => ({
        door: d.id,
        occupants: log.occupants(d.id, now).map((o) => ({
          user_code: o.userCode,
          name: names.get(o.userCode) ?? null,
          since: new Date(o.sinceMs).toISOString(),
        })),
      }));
    const out = (line: string) => io.stdout.write(`${line}\n`);
    if (values.json) {
      out(
        JSON.stringify(
          rooms.map((r) => ({ door: r.door, count: r.occupants.length, occupants: r.occupants })),
        ),
      );
      return 0;
    }
    if (rooms.length === 0) {
      out("no door records leaving (no reader with direction: out), so nobody is counted inside");
      return 0;
    }
    out(["DOOR", "USER_CODE", "SINCE", "NAME"].join("\t"));
    for (const r of rooms) {
      if (r.occupants.length === 0) out(`${r.door}\t-\t-\t(nobody inside)`);
      for (const o of r.occupants) out([r.door, o.user_code, o.since, o.name ?? "-"].join("\t"));
    }
    return 0;
  } finally {
    ctx.close();
  }
}
