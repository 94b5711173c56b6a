/**
 * The node flags and environment the systemd unit gives the service (hardware/doorward.service):
 * the benches that measure the production build run it with these, read from the unit itself, so
 * a figure never comes from flags the unit no longer sets.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";

export interface UnitNodeFlags {
  /** Flags between `node` and the script in ExecStart (V8 flags NODE_OPTIONS does not accept). */
  execArgv: string[];
  /** Environment= lines that shape memory (NODE_OPTIONS, MALLOC_ARENA_MAX, ...). */
  env: Record<string, string>;
}

/** The unit in this checkout, found from bench/ (tsx) or dist/bench/ (the build). */
export const UNIT_FILE = ((): string => {
  for (let dir = import.meta.dirname; dir !== dirname(dir); dir = dirname(dir))
    if (existsSync(join(dir, "hardware", "doorward.service")))
      return join(dir, "hardware", "doorward.service");
  throw new Error("hardware/doorward.service not found above bench/");
})();

export function unitNodeFlags(unitText = readFileSync(UNIT_FILE, "utf8")): UnitNodeFlags {
  const env: Record<string, string> = {};
  let execArgv: string[] = [];
  for (const line of unitText.split("\n")) {
    // Environment=NAME=value or Environment="NAME=value with spaces"
    const envLine = /^Environment=("?)([A-Za-z_]+)=(.*)\1$/.exec(line.trim());
    if (envLine) env[envLine[2] as string] = envLine[3] as string;
    const exec = /^ExecStart=\S*node((?:\s+--\S+)*)\s+\S*doorward\.js/.exec(line.trim());
    if (exec) execArgv = (exec[1] as string).trim().split(/\s+/).filter(Boolean);
  }
  return { execArgv, env };
}
