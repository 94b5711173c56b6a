import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { parseTimeArg, UsageError } from "../cli-errors.js";

export const USER_USAGE = `doorward user add NAME [--valid-from T] [--valid-until T]
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
    },
  });
  const needUser = () => {
    if (positionals.length !== 1) throw new UsageError(`user ${sub}: expected exactly one USER`, USER_USAGE);
    return positionals[0] as string;
  };
  if (!sub || !["add", "list", "show", "disable", "enable", "remove"].includes(sub)) {
    throw new UsageError(sub ? `unknown user command '${sub}'` : "missing user command", USER_USAGE);
  }
  const now = systemClock.now();
  const validity = {
    validFromMs: values["valid-from"] ? parseTimeArg("--valid-from", values["valid-from"], now) : null,
    validUntilMs: values["valid-until"] ? parseTimeArg("--valid-until", values["valid-until"], now) : null,
  };
  const name = sub === "list" ? "" : needUser();
  const ctx = openAdminContext(values.config, io.env);
  try {
    const out = (line: string) => io.stdout.write(`${line}\n`);
    switch (sub) {
      case "add": {
        const user = ctx.admin.addUser(name, validity);
        out(`added ${user.name} as ${user.userCode}; set a PIN with: doorward pin set ${user.userCode}`);
        return 0;
      }
      case "list": {
        const list = ctx.admin.list();
        if (values.json) for (const u of list) out(JSON.stringify(u));
        else {
          out(["USER_CODE", "ENABLED", "CREDENTIALS", "VALID_UNTIL", "NAME"].join("\t"));
          for (const u of list)
            out(
              [
                u.user_code,
                u.enabled ? "yes" : "no",
                u.credentials.join(",") || "-",
                u.valid_until ?? "-",
                u.name,
              ].join("\t"),
            );
        }
        return 0;
      }
      case "show":
        out(JSON.stringify(ctx.admin.show(name), null, 2));
        return 0;
      case "disable":
      case "enable": {
        const user = ctx.admin.setEnabled(name, sub === "enable");
        out(`${user.name} (${user.userCode}) ${sub}d`);
        return 0;
      }
      default: {
        const user = ctx.admin.remove(name);
        out(`removed ${user.name} (${user.userCode}); their log entries remain under ${user.userCode}`);
        return 0;
      }
    }
  } finally {
    ctx.close();
  }
}
