import { pino } from "pino";
import type { Logger } from "../../src/logger.js";

export interface LogLine {
  level: number;
  msg: string;
  module?: string;
  reason?: string;
  [key: string]: unknown;
}

/** A real pino logger whose lines land in an array, so tests can assert what was logged and why. */
export function captureLogger(level = "debug"): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = pino(
    { level, base: undefined },
    { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  );
  return { logger, lines };
}
