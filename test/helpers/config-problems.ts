import { expect } from "vitest";
import { ConfigError, parseSettings } from "../../src/config/load-settings.js";

/** The problems parseSettings names for a config it must refuse (fails the test if it accepts it). */
export function configProblemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseSettings(raw);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error("expected a ConfigError");
}
