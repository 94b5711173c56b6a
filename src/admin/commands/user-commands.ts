import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import { normalisePersonName, PersonNameError, printable, safeJson } from "../../store/person-name.js";
import { PolicyStore } from "../../store/policy-store.js";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { parseTimeArg, parseUntilArg, UsageError } from "../cli-errors.js";

export const USER_USAGE = `doorward user add NAME [--valid-from T] [--valid-until T] [--allow-past]
    (T: a date, 2026-03-01[T08:00:00Z], or a duration from now, 30m 24h 7d)
doorward user list [--json]
doorward user show USER
doorward user disable|enable|remove USER`;

export async function userCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: {
      config: { type: "string" },
      "valid-from": { type: "string" },
      "valid-until": { type: "string" },
      json: { type: "boolean" },
      "allow-past": { type: "boolean" },
    },
  });
  const needUser = () => {
    if (positionals.length !== 1) throw new UsageError(`user ${sub}: expected exactly one USER`, USER_USAGE);
    return positionals[0] as string;
  };
  if (!sub || !["add", "list", "show", "disable", "enable", "remove"].includes(sub)) {
    throw new UsageError(sub ? `unknown user command '${sub}'` : "missing user command", USER_USAGE);
  }
  const onlyForAdd = ["valid-from", "valid-until", "allow-past"].filter((k) => k in values);
  if (sub !== "add" && onlyForAdd.length)
    throw new UsageError(`user ${sub}: --${onlyForAdd[0]} only goes with user add`, USER_USAGE);
  if (values.json && sub !== "list") throw new UsageError("--json only goes with user list", USER_USAGE);
  if (sub === "list" && positionals.length)
    throw new UsageError(
      `user list: unexpected argument '${printable(positionals[0] as string)}'`,
      USER_USAGE,
    );
  const now = systemClock.now();
  const validity = {
    validFromMs: values["valid-from"]
      ? parseTimeArg("--valid-from", values["valid-from"], now, "future")
      : null,
    validUntilMs: values["valid-until"]
      ? parseUntilArg("--valid-until", values["valid-until"], now, values["allow-past"] === true)
      : null,
  };
  let name = sub === "list" ? "" : needUser();
  if (sub === "add") {
    try {
      name = normalisePersonName(name);
    } catch (err) {
      if (err instanceof PersonNameError) throw new UsageError(`user add: ${err.message}`, USER_USAGE);
      throw err;
    }
  }
  const ctx = openAdminContext(values.config, io.env);
  try {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    switch (sub) {
      case "add": {
        const user = ctx.admin.addUser(name, validity);
        out(
          `added ${printable(user.name)} as ${user.userCode}; set a PIN with: doorward pin set ${user.userCode}`,
        );
        return 0;
      }
      case "list": {
        const list = ctx.admin.list();
        if (values.json) for (const u of list) out(safeJson(u));
        else {
          out(["USER_CODE", "ENABLED", "CREDENTIALS", "VALID_UNTIL", "NAME"].join("\t"));
          for (const u of list)
            out(
              [
                u.user_code,
                u.enabled ? "yes" : "no",
                u.credentials.join(",") || "-",
                u.valid_until ?? "-",
                printable(u.name),
              ].join("\t"),
            );
        }
        return 0;
      }
      case "show": {
        // Everything an admin can set, as the page's person record shows it. JSON escapes
        // control characters, so an old name with one cannot reach the terminal raw.
        const user = ctx.users.require(name);
        const schedules = new PolicyStore(ctx.db).listSchedules();
        out(
          safeJson(
            {
              ...ctx.admin.show(user.userCode),
              role: user.role,
              agreement_until:
                user.agreementUntilMs === null ? null : new Date(user.agreementUntilMs).toISOString(),
              schedules: user.scheduleIds.map((id) => schedules.find((s) => s.id === id)?.name ?? String(id)),
            },
            2,
          ),
        );
        return 0;
      }
      case "disable":
      case "enable": {
        const user = ctx.admin.setEnabled(name, sub === "enable");
        out(`${printable(user.name)} (${user.userCode}) ${sub}d`);
        return 0;
      }
      default: {
        const user = ctx.admin.remove(name);
        out(
          `removed ${printable(user.name)} (${user.userCode}); their log entries remain under ${user.userCode}`,
        );
        return 0;
      }
    }
  } finally {
    ctx.close();
  }
}
