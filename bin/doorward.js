#!/usr/bin/env node
// Entry point: runs the TypeScript sources through tsx's loader, then the CLI.
import { register } from "tsx/esm/api";

register();
const { runCli } = await import("../src/admin/cli.ts");
const code = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
});
process.exitCode = code;
if (process.argv[2] === "start") process.exit(code);
