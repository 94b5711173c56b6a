import { parseArgs } from "node:util";
import { printable } from "../../store/person-name.js";
import type { User } from "../../store/user-store.js";
import type { CliIo } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";
import { readNewSecret } from "../secret-input.js";
import { openPolicyContext } from "./policy-context.js";

export const PIN_USAGE = `doorward pin set USER      (the PIN is read from a hidden prompt, or from the first line of stdin; never from the command line)
doorward pin set USER --random   (draw a free random PIN and print it once)`;
export const DURESS_USAGE = `doorward duress set USER      (a second PIN that opens normally and raises a silent alarm; read like a PIN)
doorward duress set USER --random`;

type Context = ReturnType<typeof openPolicyContext>;

const KINDS = {
  pin: {
    usage: PIN_USAGE,
    label: "PIN",
    set: (ctx: Context, who: string, pin: string) => ctx.admin.setPin(who, pin),
    random: (ctx: Context, who: string) => ctx.admin.setRandomPin(who),
  },
  duress: {
    usage: DURESS_USAGE,
    label: "duress PIN",
    set: (ctx: Context, who: string, pin: string) => ctx.policy.setDuressPin(who, pin),
    random: (ctx: Context, who: string) => ctx.policy.setRandomDuressPin(who),
  },
} satisfies Record<
  string,
  {
    usage: string;
    label: string;
    set(ctx: Context, who: string, pin: string): User;
    random(ctx: Context, who: string): { user: User; pin: string };
  }
>;

/** `pin set USER` and `duress set USER`: one USER argument; the PIN only from a prompt or stdin, or drawn with --random. */
async function setPin(kind: keyof typeof KINDS, args: string[], io: CliIo): Promise<number> {
  const { usage, label, set, random } = KINDS[kind];
  const [sub, ...rest] = args;
  const { values, positionals } = parseArgs({
    args: rest,
    allowPositionals: true,
    options: { config: { type: "string" }, random: { type: "boolean" } },
  });
  if (sub !== "set")
    throw new UsageError(sub ? `unknown ${kind} command '${sub}'` : `missing ${kind} command`, usage);
  if (positionals.length !== 1)
    throw new UsageError(`${kind} set: expected exactly one USER (the PIN is never an argument)`, usage);
  const who = positionals[0] as string;
  const ctx = openPolicyContext(values.config, io.env);
  try {
    ctx.users.require(who); // fail before asking for a secret
    if (values.random) {
      const drawn = random(ctx, who);
      io.stdout.write(
        `${label} set for ${drawn.user.name} (${drawn.user.userCode}): ${drawn.pin}\n(shown once; it is stored only as a keyed hash, so note it now)\n`,
      );
      return 0;
    }
    const user = set(ctx, who, (await readNewSecret(io, label)).trim());
    io.stdout.write(`${label} set for ${printable(user.name)} (${user.userCode})\n`);
    return 0;
  } finally {
    ctx.close();
  }
}

export const pinCommand = (args: string[], io: CliIo) => setPin("pin", args, io);
export const duressCommand = (args: string[], io: CliIo) => setPin("duress", args, io);
