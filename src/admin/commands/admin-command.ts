import { parseArgs } from "node:util";
import { systemClock } from "../../../devices/system-clock.js";
import { checkpointAndTruncateWal } from "../../store/open-database.js";
import { StoreError } from "../../store/user-store.js";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { ADMIN_NAME_PATTERN, AdminAccountStore } from "../http/admin-account-store.js";
import { LoginThrottle, throttlePolicy } from "../http/login-throttle.js";
import { hashPassword } from "../http/password-hasher.js";
import { readNewSecret } from "../secret-input.js";

export const ADMIN_USAGE = `doorward admin add NAME       (web admin account; the password is read from a hidden prompt, or the first line of stdin)
doorward admin passwd NAME
doorward admin list
doorward admin remove NAME
doorward admin unlock NAME    (lift the login throttle on NAME from every address)`;

const MIN_PASSWORD = 10;

async function readNewPassword(io: CliIo): Promise<string> {
  const password = await readNewSecret(io, "password");
  if (password.length < MIN_PASSWORD)
    throw new UsageError(`a password has at least ${MIN_PASSWORD} characters; nothing changed`);
  return password;
}

export async function adminCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" } },
  });
  if (!sub || !["add", "passwd", "list", "remove", "unlock"].includes(sub)) {
    throw new UsageError(sub ? `unknown admin command '${sub}'` : "missing admin command", ADMIN_USAGE);
  }
  if (sub !== "list" && positionals.length !== 1)
    throw new UsageError(`admin ${sub}: expected exactly one NAME`, ADMIN_USAGE);
  const name = positionals[0] as string;
  if (sub === "add" && !ADMIN_NAME_PATTERN.test(name))
    throw new UsageError(
      "admin add: a name is 1-32 lowercase letters, digits, '.', '_' or '-' (no spaces or control characters)",
      ADMIN_USAGE,
    );
  if (sub === "list" && positionals.length)
    throw new UsageError("admin list: takes no arguments", ADMIN_USAGE);
  const ctx = openAdminContext(values.config, io.env);
  const accounts = new AdminAccountStore(ctx.db);
  const throttle = new LoginThrottle(ctx.db, ctx.hasher, throttlePolicy(ctx.settings));
  // Rows name the admin by code; `admin remove` then drops the code's account (AdminCodeBook).
  const account = `web:${name}`;
  const note = (reason: string) =>
    ctx.audit.append(
      { kind: "system", reason, detail: { by: ctx.actor, admin: ctx.adminCodes.actor(account) } },
      systemClock.now(),
    );
  const out = (line: string) => io.stdout.write(`${line}\n`);
  try {
    switch (sub) {
      case "add": {
        if (accounts.find(name)) throw new StoreError(`admin '${name}' already exists`);
        const hash = await hashPassword(await readNewPassword(io));
        // The account and its audit row commit together (as every admin change does).
        ctx.audit.atomically(() => {
          accounts.add(name, hash, systemClock.now());
          note("admin_added");
        });
        out(`admin ${name} added; log in at https://<this device>:${ctx.settings.web.port}/`);
        return 0;
      }
      case "passwd": {
        if (!accounts.find(name)) throw new StoreError(`no such admin: '${name}'`);
        const hash = await hashPassword(await readNewPassword(io));
        ctx.audit.atomically(() => {
          accounts.setPassword(name, hash);
          note("admin_password_changed");
        });
        out(`password changed for ${name}; their open sessions have ended`);
        return 0;
      }
      case "list":
        for (const a of accounts.list()) {
          const throttled = throttle.throttledAddresses(a.name, systemClock.now());
          const locked = throttled ? `login throttled from ${throttled} address(es)` : "";
          out(
            [
              a.name,
              a.lastLoginMs ? `last login ${new Date(a.lastLoginMs).toISOString()}` : "never logged in",
              locked,
            ]
              .join("\t")
              .trim(),
          );
        }
        return 0;
      case "remove":
        ctx.audit.atomically(() => {
          if (!accounts.remove(name)) throw new StoreError(`no such admin: '${name}'`);
          note("admin_removed");
          ctx.adminCodes.forget(account);
        });
        out(`admin ${name} removed; their open sessions have ended`);
        // As `user erase`: the WAL is written back and emptied, so no file holds the name.
        try {
          checkpointAndTruncateWal(ctx.db);
        } catch {
          io.stderr.write(
            "doorward admin: the write-ahead log could not be emptied now (a reader held it); the name may stay in doorward.db-wal until the service stops (SQLite then empties it)\n",
          );
          return 1;
        }
        return 0;
      default:
        if (!accounts.find(name)) throw new StoreError(`no such admin: '${name}'`);
        ctx.audit.atomically(() => {
          accounts.unlock(name);
          throttle.clearName(name);
          note("admin_unlocked");
        });
        out(`admin ${name} may log in again`);
        return 0;
    }
  } finally {
    ctx.close();
  }
}
