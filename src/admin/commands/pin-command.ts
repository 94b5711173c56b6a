import { parseArgs } from "node:util";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { readNewSecret } from "../secret-input.js";

export const PIN_USAGE = `doorward pin set USER      (the PIN is read from a hidden prompt, or from the first line of stdin; never from the command line)`;

export async function pinCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" } },
  });
  if (sub !== "set")
    throw new UsageError(sub ? `unknown pin command '${sub}'` : "missing pin command", PIN_USAGE);
  if (positionals.length !== 1)
    throw new UsageError("pin set: expected exactly one USER (the PIN is never an argument)", PIN_USAGE);
  const ctx = openAdminContext(values.config, io.env);
  try {
    ctx.users.require(positionals[0] as string); // fail before asking for a secret
    const pin = (await readNewSecret(io, "PIN")).trim();
    const user = ctx.admin.setPin(positionals[0] as string, pin);
    io.stdout.write(`PIN set for ${user.name} (${user.userCode})\n`);
    return 0;
  } finally {
    ctx.close();
  }
}
