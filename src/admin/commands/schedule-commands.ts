import { parseArgs } from "node:util";
import { formatWindow, parseWindowSpec, type ScheduleWindow } from "../../access/schedule.js";
import type { CliIo } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { openPolicyContext, parseDateArg, SCHEDULE_NAME } from "./policy-context.js";

export const SCHEDULE_USAGE = `doorward schedule add NAME --window "mon-fri 08:00-18:00" [--window "sat 22:00-02:00" ...]
doorward schedule list
doorward schedule remove NAME`;

export const HOLIDAY_USAGE = `doorward holiday add YYYY-MM-DD [--name TEXT]
doorward holiday list
doorward holiday remove YYYY-MM-DD`;

export async function scheduleCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" }, window: { type: "string", multiple: true } },
  });
  if (!sub || !["add", "list", "remove"].includes(sub)) {
    throw new UsageError(
      sub ? `unknown schedule command '${sub}'` : "missing schedule command",
      SCHEDULE_USAGE,
    );
  }
  if (sub !== "add" && values.window)
    throw new UsageError(`schedule ${sub}: --window only goes with add`, SCHEDULE_USAGE);
  if (positionals.length !== (sub === "list" ? 0 : 1))
    throw new UsageError(`schedule ${sub}: wrong number of arguments`, SCHEDULE_USAGE);
  const name = positionals[0] ?? "";
  let windows: ScheduleWindow[] = [];
  if (sub === "add") {
    if (!SCHEDULE_NAME.test(name))
      throw new UsageError(`schedule name '${name}': lowercase letters, digits, '-' or '_'`);
    if (!values.window?.length)
      throw new UsageError("schedule add: at least one --window is required", SCHEDULE_USAGE);
    for (const spec of values.window) {
      const parsed = parseWindowSpec(spec);
      if (typeof parsed === "string") throw new UsageError(`--window: ${parsed}`);
      windows = windows.concat(parsed);
    }
  }
  const ctx = openPolicyContext(values.config, io.env);
  try {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    if (sub === "add") {
      ctx.policy.addSchedule(name, windows);
      out(`schedule ${name}: ${ctx.policy.store.requireSchedule(name).windows.map(formatWindow).join(", ")}`);
    } else if (sub === "remove") {
      ctx.policy.removeSchedule(name);
      out(`schedule ${name} removed`);
    } else {
      for (const s of ctx.policy.store.listSchedules())
        out(`${s.name}\t${s.windows.map(formatWindow).join(", ")}`);
    }
    return 0;
  } finally {
    ctx.close();
  }
}

export async function holidayCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" }, name: { type: "string" } },
  });
  if (!sub || !["add", "list", "remove"].includes(sub)) {
    throw new UsageError(sub ? `unknown holiday command '${sub}'` : "missing holiday command", HOLIDAY_USAGE);
  }
  if (sub !== "add" && values.name !== undefined)
    throw new UsageError(`holiday ${sub}: --name only goes with add`, HOLIDAY_USAGE);
  if (positionals.length !== (sub === "list" ? 0 : 1))
    throw new UsageError(`holiday ${sub}: wrong number of arguments`, HOLIDAY_USAGE);
  const date = sub === "list" ? "" : parseDateArg("date", positionals[0] as string);
  const ctx = openPolicyContext(values.config, io.env);
  try {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    if (sub === "add") {
      ctx.policy.addHoliday(date, values.name ?? "");
      out(`holiday ${date} added`);
    } else if (sub === "remove") {
      ctx.policy.removeHoliday(date);
      out(`holiday ${date} removed`);
    } else {
      for (const h of ctx.policy.store.listHolidays()) out(`${h.date}\t${h.name}`);
    }
    return 0;
  } finally {
    ctx.close();
  }
}
