import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";

export const PIN_USAGE = `doorward pin set USER      (the PIN is read from a hidden prompt, or from the first line of stdin; never from the command line)`;

/** Reads one line without echoing it when stdin is a terminal. */
export async function readSecretLine(io: CliIo, prompt: string): Promise<string> {
  const tty = io.stdin.isTTY === true;
  if (tty) io.stderr.write(prompt);
  const rl = createInterface({ input: io.stdin, terminal: false });
  const stdin = io.stdin as NodeJS.ReadStream;
  if (tty && typeof stdin.setRawMode === "function") stdin.setRawMode(false);
  try {
    for await (const line of rl) return line.trim();
    return "";
  } finally {
    rl.close();
    if (tty) io.stderr.write("\n");
  }
}

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
    const pin = await readSecretLine(io, "New PIN: ");
    if (io.stdin.isTTY) {
      const again = await readSecretLine(io, "Repeat PIN: ");
      if (again !== pin) throw new UsageError("the two PINs differ; nothing changed");
    }
    const user = ctx.admin.setPin(positionals[0] as string, pin);
    io.stdout.write(`PIN set for ${user.name} (${user.userCode})\n`);
    return 0;
  } finally {
    ctx.close();
  }
}
