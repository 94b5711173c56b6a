import { pino } from "pino";

export type Logger = pino.Logger;

/** One root logger per process; modules take a child with their namespace (`logger.child({ module })`). */
export function createLogger(level: string, destination: pino.DestinationStream | number = 2): Logger {
  return pino(
    { level, base: undefined },
    typeof destination === "number" ? pino.destination(destination) : destination,
  );
}
