import { parseArgs } from "node:util";
import { doorsOf } from "../../config/doors.js";
import { doorModeKey } from "../../store/door-state.js";
import { PolicyStore } from "../../store/policy-store.js";
import { type CliIo, openAdminContext } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";

export const DOOR_LIST_USAGE =
  "doorward door list [--json]              (the doors of this controller, their readers and modes)";

/** `door list`: every configured door with its readers (id, kind, direction) and its current mode. */
export async function doorListCommand(args: string[], io: CliIo): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: { config: { type: "string" }, json: { type: "boolean" } },
  });
  if (positionals.length > 0) throw new UsageError("door list: takes no arguments", DOOR_LIST_USAGE);
  const ctx = openAdminContext(values.config, io.env);
  try {
    const doors = doorsOf(ctx.settings).map((d) => ({
      id: d.id,
      mode: new PolicyStore(ctx.db, doorModeKey(d.id, ctx.settings.doors !== null)).mode().mode,
      readers: d.readers.map((r) => ({ id: r.id, kind: r.kind, direction: r.direction })),
      anti_passback: d.anti_passback,
    }));
    if (values.json) {
      io.stdout.write(`${JSON.stringify({ doors, interlocks: ctx.settings.interlocks })}\n`);
      return 0;
    }
    for (const d of doors) {
      const readers = d.readers.map((r) => `${r.id} (${r.kind}, ${r.direction})`).join(", ") || "none";
      io.stdout.write(`${d.id}\tmode ${d.mode}\treaders ${readers}\n`);
    }
    for (const set of ctx.settings.interlocks) io.stdout.write(`interlock ${set.join(" + ")}\n`);
    return 0;
  } finally {
    ctx.close();
  }
}
