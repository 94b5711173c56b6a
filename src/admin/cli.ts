import { printable } from "../store/person-name.js";
import { StoreError } from "../store/user-store.js";
import { type CliIo, ConfigError } from "./cli-context.js";
import { UsageError } from "./cli-errors.js";
import { ADMIN_USAGE, adminCommand } from "./commands/admin-command.js";
import { BADGE_USAGE, badgeCommand } from "./commands/badge-command.js";
import { DOCTOR_USAGE, doctorCommand } from "./commands/doctor-command.js";
import { FINGERPRINT_USAGE, fingerprintCommand } from "./commands/fingerprint-command.js";
import { FLEET_USAGE, fleetCommand } from "./commands/fleet-command.js";
import { HUB_USAGE, hubCommand } from "./commands/hub-command.js";
import { KEYS_USAGE, keysCommand } from "./commands/keys-command.js";
import {
  LEVEL_USAGE,
  levelCommand,
  OCCUPANCY_USAGE,
  occupancyCommand,
  PASSBACK_USAGE,
  passbackCommand,
} from "./commands/level-commands.js";
import { LOG_USAGE, logCommand } from "./commands/log-commands.js";
import { OSDP_USAGE, osdpCommand } from "./commands/osdp-command.js";
import { DURESS_USAGE, duressCommand, PIN_USAGE, pinCommand } from "./commands/pin-command.js";
import { DOOR_USAGE, doorCommand, USER_SET_USAGE, userPolicyCommand } from "./commands/policy-commands.js";
import {
  HOLIDAY_USAGE,
  holidayCommand,
  SCHEDULE_USAGE,
  scheduleCommand,
} from "./commands/schedule-commands.js";
import { START_USAGE, startCommand } from "./commands/start-command.js";
import { USER_USAGE, userCommand } from "./commands/user-commands.js";

type Command = (args: string[], io: CliIo) => Promise<number>;

/** Each top-level command with its usage; new commands register here. */
const COMMANDS: Record<string, { run: Command; usage: string }> = {
  start: { run: startCommand, usage: START_USAGE },
  user: {
    run: (a, io) => (a[0] === "set" || a[0] === "erase" ? userPolicyCommand(a, io) : userCommand(a, io)),
    usage: `${USER_USAGE}\n${USER_SET_USAGE}`,
  },
  schedule: { run: scheduleCommand, usage: SCHEDULE_USAGE },
  holiday: { run: holidayCommand, usage: HOLIDAY_USAGE },
  duress: { run: duressCommand, usage: DURESS_USAGE },
  door: { run: doorCommand, usage: DOOR_USAGE },
  level: { run: levelCommand, usage: LEVEL_USAGE },
  passback: { run: passbackCommand, usage: PASSBACK_USAGE },
  occupancy: { run: occupancyCommand, usage: OCCUPANCY_USAGE },
  pin: { run: pinCommand, usage: PIN_USAGE },
  log: { run: logCommand, usage: LOG_USAGE },
  keys: { run: keysCommand, usage: KEYS_USAGE },
  fleet: { run: fleetCommand, usage: FLEET_USAGE },
  fingerprint: { run: fingerprintCommand, usage: FINGERPRINT_USAGE },
  badge: { run: badgeCommand, usage: BADGE_USAGE },
  osdp: { run: osdpCommand, usage: OSDP_USAGE },
  admin: { run: adminCommand, usage: ADMIN_USAGE },
  doctor: { run: doctorCommand, usage: DOCTOR_USAGE },
  hub: { run: hubCommand, usage: HUB_USAGE },
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
    io.stderr.write(`doorward: unknown command '${printable(name)}'\n${USAGE}\n`);
    return 2;
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    // Wrong arguments: the reason, then the usage of the subcommand (or of the whole command).
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith("ERR_PARSE_ARGS")) {
      const usage = (err instanceof UsageError && err.usage) || command.usage;
      io.stderr.write(
        `doorward ${name}: ${printable((err as Error).message)}\nusage:\n${usage.replace(/^/gm, "  ")}\n`,
      );
      return 2;
    }
    if (err instanceof ConfigError) {
      io.stderr.write(`doorward: ${err.message.split("\n").map(printable).join("\n")}\n`);
      return 2;
    }
    if (err instanceof StoreError) {
      io.stderr.write(`doorward ${name}: ${printable(err.message)}\n`);
      return 1;
    }
    // One line, never a stack: the first line of the message is the reason.
    const reason = String((err as Error)?.message ?? err).split("\n")[0] ?? "";
    io.stderr.write(`doorward ${name}: failed: ${printable(reason)}\n`);
    return 1;
  }
}
