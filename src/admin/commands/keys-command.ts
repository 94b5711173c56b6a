import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { createInterface } from "node:readline";
import { parseArgs } from "node:util";
import { haCodeHash } from "../../mqtt/inbound-handler.js";
import { generateAdminKeyPair } from "../../mqtt/signed-envelope.js";
import { loadCredentialKey } from "../../secrets/credential-key.js";
import { loadDeviceKey, publicKeyPem } from "../../secrets/device-key.js";
import { type CliIo, resolveSettings } from "../cli-context.js";
import { UsageError } from "../cli-errors.js";

export const KEYS_USAGE = `doorward keys                                  (this device's public key, SPKI PEM: checks its signed chain heads)
doorward keys generate [--out DIR]            (admin Ed25519 pair: DIR/admin.key 0600, DIR/admin.pub)
doorward keys credential-key --out FILE       (a shared fleet credential key for secrets.credential_key_file)
doorward keys ha-code-hash                    (reads a Home Assistant unlock code from stdin; prints mqtt.ha_unlock_code_hash)`;

/** Creates a file that must not exist yet, readable only by its owner. */
function writeNew(path: string, text: string, mode: number): void {
  const fd = openSync(path, "wx", mode);
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
}

async function firstLine(io: CliIo): Promise<string> {
  if (io.stdin.isTTY) io.stderr.write("code: ");
  const rl = createInterface({ input: io.stdin, terminal: false });
  try {
    for await (const line of rl) return line.trim();
    return "";
  } finally {
    rl.close();
  }
}

export async function keysCommand(args: string[], io: CliIo): Promise<number> {
  // `doorward keys [--config FILE]`: no subcommand prints the device's public key.
  const sub = args[0]?.startsWith("-") ? undefined : args[0];
  const rest = sub === undefined ? args : args.slice(1);
  const { values } = parseArgs({
    args: rest,
    options: { out: { type: "string" }, config: { type: "string" } },
  });
  const out = (line: string) => io.stdout.write(`${line}\n`);
  switch (sub) {
    case undefined: {
      // Read only: the key is made at first start, never here.
      const key = loadDeviceKey(resolveSettings(values.config, io.env).data_dir);
      io.stdout.write(publicKeyPem(key));
      return 0;
    }
    case "generate": {
      const dir = values.out ?? ".";
      // A new folder for the admin key: created readable by its owner only.
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const pair = generateAdminKeyPair();
      writeNew(join(dir, "admin.key"), pair.privatePem, 0o600);
      writeNew(join(dir, "admin.pub"), pair.publicPem, 0o644);
      out(
        `wrote ${join(dir, "admin.key")} (private, 0600: keep it off the doors) and ${join(dir, "admin.pub")}`,
      );
      out("set mqtt.admin_public_key on each controller to the path of admin.pub (or paste the PEM)");
      return 0;
    }
    case "credential-key": {
      if (!values.out) throw new UsageError("keys credential-key: --out FILE is required", KEYS_USAGE);
      mkdirSync(dirname(values.out), { recursive: true, mode: 0o700 });
      writeNew(values.out, `${randomBytes(32).toString("hex")}\n`, 0o600);
      out(
        `wrote ${values.out}; copy it (0600) to every door and set secrets.credential_key_file, then re-set PINs`,
      );
      return 0;
    }
    case "ha-code-hash": {
      const code = await firstLine(io);
      if (!/^\d{4,12}$/.test(code)) throw new UsageError("the code is 4 to 12 digits", KEYS_USAGE);
      out(haCodeHash(loadCredentialKey(resolveSettings(values.config, io.env)), code));
      return 0;
    }
    default:
      throw new UsageError(`unknown keys command '${sub}'`, KEYS_USAGE);
  }
}
