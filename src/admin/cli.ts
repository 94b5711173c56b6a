import { StoreError } from "../store/user-store.js";
import { type CliIo, ConfigError } from "./cli-context.js";
import { UsageError } from "./cli-errors.js";
import { DOCTOR_USAGE, doctorCommand } from "./commands/doctor-command.js";
import { LOG_USAGE, logCommand } from "./commands/log-commands.js";
import { PIN_USAGE, pinCommand } from "./commands/pin-command.js";
import { START_USAGE, startCommand } from "./commands/start-command.js";
import { USER_USAGE, userCommand } from "./commands/user-commands.js";

type Command = (args: string[], io: CliIo) => Promise<number>;

/** Each top-level command with its usage; new commands register here. */
const COMMANDS: Record<string, { run: Command; usage: string }> = {
  start: { run: startCommand, usage: START_USAGE },
  user: { run: userCommand, usage: USER_USAGE },
  pin: { run: pinCommand, usage: PIN_USAGE },
  log: { run: logCommand, usage: LOG_USAGE },
  doctor: { run: doctorCommand, usage: DOCTOR_USAGE },
};

export const USAGE = `usage:\n${Object.values(COMMANDS)
  .map((c) => c.usage.replace(/^/gm, "  "))
  .join(
    "\n",
  )}\n\nEvery command takes --config FILE (default: $DOORWARD_CONFIG, then /etc/doorward/config.yaml, then built-in defaults).`;

/**
 * Runs one CLI invocation and returns the exit code: 0 done, 1 it could not be done (with a
 * one-line reason), 2 the arguments were wrong (with usage). Never a stack trace for an expected failure.
 */
export async function runCli(argv: string[], io: CliIo): Promise<number> {
  const [name, ...args] = argv;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    (name ? io.stdout : io.stderr).write(`${USAGE}\n`);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.stderr.write(`doorward: unknown command '${name}'\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(
        `doorward ${name}: ${err.message}\n${err.usage ? `usage:\n${err.usage.replace(/^/gm, "  ")}\n` : ""}`,
      );
      return 2;
    }
    if ((err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      io.stderr.write(
        `doorward ${name}: ${(err as Error).message}\nusage:\n${command.usage.replace(/^/gm, "  ")}\n`,
      );
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`doorward: ${err.message}\n`);
      return 2;
    }
    if (err instanceof StoreError) {
      io.stderr.write(`doorward ${name}: ${err.message}\n`);
      return 1;
    }
    io.stderr.write(`doorward ${name}: failed: ${(err as Error).message ?? String(err)}\n`);
    return 1;
  }
}
