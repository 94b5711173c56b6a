import { existsSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough, Readable } from "node:stream";
import { runCli } from "../../src/admin/cli.js";
import { openDatabase } from "../../src/store/open-database.js";

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Writes a config file pointing at dataDir and returns its path. dataDir gets a database, as
 * after a first `doorward start`: no other command creates one.
 */
export function writeConfig(dir: string, dataDir: string, extra = ""): string {
  if (!existsSync(join(dataDir, "doorward.db"))) openDatabase(join(dataDir, "doorward.db")).close();
  const path = join(dir, "config.yaml");
  writeFileSync(path, `data_dir: ${dataDir}\n${extra}`);
  return path;
}

/** Runs the CLI in-process with captured output; stdin is the given text (not a TTY). */
export async function cli(
  args: string[],
  opts: { stdin?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<CliResult> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { out: [] as Buffer[], err: [] as Buffer[] };
  stdout.on("data", (c: Buffer) => chunks.out.push(c));
  stderr.on("data", (c: Buffer) => chunks.err.push(c));
  const code = await runCli(args, {
    stdout,
    stderr,
    stdin: Readable.from([opts.stdin ?? ""]),
    env: opts.env ?? {},
  });
  return { code, stdout: Buffer.concat(chunks.out).toString(), stderr: Buffer.concat(chunks.err).toString() };
}
