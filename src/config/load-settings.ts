import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import type { z } from "zod";
import { type Settings, settingsSchema } from "./schema.js";

/** A configuration that cannot be used. Its message is meant for a person: one line per problem. */
export class ConfigError extends Error {
  constructor(
    readonly source: string,
    readonly problems: string[],
  ) {
    super(`invalid configuration in ${source}:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ConfigError";
  }
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const key = issue.path.length ? issue.path.join(".") : "(top level)";
  switch (issue.code) {
    case "unrecognized_keys":
      return `${key === "(top level)" ? "" : `${key}: `}unknown key${issue.keys.length > 1 ? "s" : ""} ${issue.keys.map((k) => `'${k}'`).join(", ")}`;
    case "invalid_type":
      return `${key}: expected ${issue.expected}`;
    case "invalid_value":
      return `${key}: expected one of ${issue.values.map((v) => JSON.stringify(v)).join(", ")}`;
    case "too_small":
      return `${key}: expected ${issue.origin === "string" ? "a non-empty string" : `a value >= ${issue.minimum}`}`;
    case "too_big":
      return `${key}: expected a value <= ${issue.maximum}`;
    default:
      return `${key}: ${issue.message}`;
  }
}

/** Validates an already-parsed object (from YAML or from code) and fills in defaults. */
export function parseSettings(raw: unknown, source = "settings"): Settings {
  const result = settingsSchema.safeParse(raw ?? {});
  if (!result.success) throw new ConfigError(source, result.error.issues.map(describeIssue));
  return result.data;
}

/** Reads and validates a YAML file. Any problem becomes a ConfigError, never a stack trace. */
export function loadSettingsFile(path: string): Settings {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(path, [`cannot read file: ${(err as NodeJS.ErrnoException).code ?? String(err)}`]);
  }
  const doc = parseDocument(text, { prettyErrors: true });
  if (doc.errors.length > 0) {
    throw new ConfigError(
      path,
      doc.errors.map(
        (e) => `YAML syntax at line ${e.linePos?.[0]?.line ?? "?"}: ${e.message.split("\n")[0]}`,
      ),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS();
  } catch (err) {
    // yaml refuses to expand a "billion laughs" alias bomb (ReferenceError: excessive alias count).
    const message = /alias/i.test((err as Error).message)
      ? "too many aliases (a YAML alias bomb?); write the values out"
      : `YAML: ${(err as Error).message.split("\n")[0]}`;
    throw new ConfigError(path, [message]);
  }
  return parseSettings(raw, path);
}
