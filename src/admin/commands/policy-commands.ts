import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import { doorIds, resolveDoorId } from "../../config/doors.js";
import { DoorCommandRefused, DoorCommands } from "../../door/door-commands.js";
import { doorModeKey } from "../../store/door-state.js";
import { printable } from "../../store/person-name.js";
import { PolicyStore } from "../../store/policy-store.js";
import type { UserRole } from "../../store/user-store.js";
import { type CliIo, resolveSettings } from "../cli-context.js";
import { parseUntilArg, UsageError } from "../cli-errors.js";
import { LevelAdminService } from "../level-admin-service.js";
import type { UserPolicyChange } from "../policy-admin-service.js";
import { DOOR_LIST_USAGE, doorListCommand } from "./door-list-command.js";
import { openPolicyContext } from "./policy-context.js";

export const USER_SET_USAGE = `doorward user set USER [--schedule S ...] [--no-schedule] [--level L ...] [--no-level] [--valid-until D|never] [--agreement-until D|none] [--allow-past] [--role user|override|admin]
    (D: a date, 2026-03-01[T08:00:00Z], or a duration from now, 30m 24h 7d)
doorward user erase USER      (removes name and credentials; events stay under the user code)`;

export const DOOR_USAGE = `${DOOR_LIST_USAGE}
doorward door mode [--door ID]           (current mode; the service polls it every policy.mode_poll_ms)
doorward door lockdown on|off [--door ID]
doorward door emergency on|off [--door ID]
  (--door is required when the controller has more than one door)`;

const ROLES: UserRole[] = ["user", "override", "admin"];

/** `user set` and `user erase`: reached through `doorward user` for those two subcommands. */
export async function userPolicyCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      schedule: { type: "string", multiple: true },
      "no-schedule": { type: "boolean" },
      level: { type: "string", multiple: true },
      "no-level": { type: "boolean" },
      "valid-until": { type: "string" },
      "agreement-until": { type: "string" },
      role: { type: "string" },
      "allow-past": { type: "boolean" },
    },
  });
  if (positionals.length !== 1)
    throw new UsageError(`user ${sub}: expected exactly one USER`, USER_SET_USAGE);
  const who = positionals[0] as string;
  const now = systemClock.now();
  const allowPast = values["allow-past"] === true;
  const change: UserPolicyChange = {};
  if (sub === "erase") {
    if (Object.keys(values).some((k) => k !== "config"))
      throw new UsageError("user erase takes no options besides --config", USER_SET_USAGE);
  } else {
    if (values.schedule && values["no-schedule"])
      throw new UsageError("--schedule and --no-schedule conflict", USER_SET_USAGE);
    if (values.schedule) change.schedules = values.schedule;
    if (values["no-schedule"]) change.schedules = [];
    const until = values["valid-until"];
    if (until !== undefined)
      change.validUntilMs = until === "never" ? null : parseUntilArg("--valid-until", until, now, allowPast);
    const agreement = values["agreement-until"];
    if (agreement !== undefined)
      change.agreementUntilMs =
        agreement === "none" ? null : parseUntilArg("--agreement-until", agreement, now, allowPast);
    if (values.role !== undefined) {
      if (!ROLES.includes(values.role as UserRole))
        throw new UsageError(`--role: expected user, override or admin, got '${values.role}'`);
      change.role = values.role as UserRole;
    }
    if (allowPast && change.validUntilMs === undefined && change.agreementUntilMs === undefined)
      throw new UsageError("--allow-past goes with --valid-until or --agreement-until", USER_SET_USAGE);
    if (values.level && values["no-level"])
      throw new UsageError("--level and --no-level conflict", USER_SET_USAGE);
    if (Object.keys(change).length === 0 && !values.level && !values["no-level"])
      throw new UsageError("user set: nothing to change", USER_SET_USAGE);
  }
  const ctx = openPolicyContext(values.config, io.env);
  try {
    // Unknown schedules are a usage mistake (exit 2), found before anything changes.
    for (const s of change.schedules ?? []) {
      if (!ctx.policy.store.findSchedule(s)) throw new UsageError(`--schedule: no such schedule '${s}'`);
    }
    const levelAdmin = new LevelAdminService(ctx.db, ctx.users, ctx.audit, systemClock, ctx.actor);
    for (const l of values.level ?? []) {
      if (!levelAdmin.levels.find(l))
        throw new UsageError(`--level: no such access level '${l}'`, USER_SET_USAGE);
    }
    if (sub === "erase") {
      const user = ctx.policy.eraseUser(who);
      io.stdout.write(`erased personal data of ${user.userCode}; their log entries remain under that code\n`);
      return 0;
    }
    let user = ctx.users.require(who);
    if (Object.keys(change).length > 0) user = ctx.policy.setUserPolicy(who, change);
    if (values.level || values["no-level"]) levelAdmin.setUserLevels(who, values.level ?? []);
    io.stdout.write(`${printable(user.name)} (${user.userCode}) updated\n`);
    return 0;
  } finally {
    ctx.close();
  }
}

export async function doorCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  if (sub === "list") return doorListCommand(rest, io);
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" }, door: { type: "string" } },
  });
  if (!sub || !["mode", "lockdown", "emergency"].includes(sub)) {
    throw new UsageError(sub ? `unknown door command '${sub}'` : "missing door command", DOOR_USAGE);
  }
  const onOff = positionals[0];
  if (
    sub === "mode"
      ? positionals.length !== 0
      : positionals.length !== 1 || (onOff !== "on" && onOff !== "off")
  ) {
    throw new UsageError(
      `door ${sub}: expected ${sub === "mode" ? "no arguments" : "on or off"}`,
      DOOR_USAGE,
    );
  }
  const named = resolveDoorId(resolveSettings(values.config, io.env), values.door);
  if ("error" in named) throw new UsageError(`door ${sub}: ${named.error}`, DOOR_USAGE);
  const door = named.door;
  const ctx = openPolicyContext(values.config, io.env);
  try {
    // No live door here: the mode and its row commit together; the service polls and applies it.
    const targets = doorIds(ctx.settings).map(
      (id) => [id, { modes: new PolicyStore(ctx.db, doorModeKey(id, ctx.settings.doors !== null)) }] as const,
    );
    const commands = new DoorCommands(ctx.audit, systemClock, new Map(targets));
    if (sub !== "mode") {
      const mode = sub === "lockdown" ? "lockdown" : "emergency_unlock";
      try {
        await commands.setMode(door, { mode, on: onOff === "on" }, { by: ctx.actor });
      } catch (err) {
        if (err instanceof DoorCommandRefused) throw new UsageError(`door ${sub} ${onOff}: ${err.message}`);
        throw err;
      }
    }
    const m = commands.mode(door);
    io.stdout.write(
      `mode ${m.mode} since ${m.since_ms ? new Date(m.since_ms).toISOString() : "-"} by ${ctx.adminCodes.named(m.by)}\n`,
    );
    return 0;
  } finally {
    ctx.close();
  }
}
