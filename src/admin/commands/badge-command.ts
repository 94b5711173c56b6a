import { parseArgs } from "node:util";
import { canonicalBadgeNumber } from "../../badge/badge-number.js";
import { printable } from "../../store/person-name.js";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { credentialAdmin } from "./fingerprint-command.js";

export const BADGE_USAGE = `doorward badge add USER NUMBER   (stored only as a keyed hash; NUMBER is the decimal a Wiegand or
                                 RDM6300 reader reports, FACILITY:CARD as printed on the card
                                 (123:45678, the same badge on Wiegand 26/34 and OSDP), or raw:BITS:HEX)
doorward badge remove USER`;

export async function badgeCommand(args: string[], io: CliIo): Promise<number> {
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" } },
  });
  if (sub !== "add" && sub !== "remove")
    throw new UsageError(sub ? `unknown badge command '${sub}'` : "missing badge command", BADGE_USAGE);
  const expected = sub === "add" ? 2 : 1;
  if (positionals.length !== expected)
    throw new UsageError(
      `badge ${sub}: expected ${sub === "add" ? "USER NUMBER" : "exactly one USER"}`,
      BADGE_USAGE,
    );
  if (sub === "add" && canonicalBadgeNumber(positionals[1] as string) === null)
    throw new UsageError(
      "badge add: NUMBER is 1 to 12 decimal digits as the reader reports it, FACILITY:CARD or raw:BITS:HEX",
      BADGE_USAGE,
    );
  const ctx = openAdminContext(values.config, io.env);
  try {
    const admin = credentialAdmin(ctx);
    const user =
      sub === "add"
        ? admin.addBadge(positionals[0] as string, positionals[1] as string)
        : admin.removeBadge(positionals[0] as string);
    io.stdout.write(
      `badge ${sub === "add" ? "set" : "removed"} for ${printable(user.name)} (${user.userCode})\n`,
    );
    return 0;
  } finally {
    ctx.close();
  }
}
