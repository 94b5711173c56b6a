/**
 * Person names as an admin types them. A name is shown in the CLI, the console, the admin page
 * and the logs, so it must not be able to reorder or hide text (bidi overrides turn
 * "mallory\u202egnp.exe" into "malloryexe.png"), ring a terminal bell, move the cursor or be
 * invisible. Normalised to NFC so the same name typed on two keyboards is one name.
 */
export const PERSON_NAME_MAX = 100;

/** Control (Cc), format (Cf: bidi, zero-width), unassigned (Cn), private use (Co), surrogates (Cs), line/paragraph separators. */
const FORBIDDEN = /[\p{Cc}\p{Cf}\p{Cn}\p{Co}\p{Cs}\p{Zl}\p{Zp}]/u;

export class PersonNameError extends Error {
  override name = "PersonNameError";
}

/** The stored form of a name, or a PersonNameError saying what is wrong with it. */
export function normalisePersonName(raw: string): string {
  const forbidden = FORBIDDEN.exec(raw);
  if (forbidden)
    throw new PersonNameError(
      `a name cannot contain control, formatting (bidi, zero-width) or unassigned characters (found ${codePoint(forbidden[0])})`,
    );
  const name = raw.normalize("NFC").trim();
  if (name.length === 0) throw new PersonNameError("a name needs at least one visible character");
  if ([...name].length > PERSON_NAME_MAX)
    throw new PersonNameError(`a name is at most ${PERSON_NAME_MAX} characters`);
  return name;
}

const codePoint = (ch: string) => `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, "0")}`;

/**
 * Text for a terminal or a log line: every control, format or unassigned character becomes
 * a visible \u{...} escape, so a name stored before validation existed still cannot drive the terminal.
 */
export function printable(text: string): string {
  return text.replace(
    new RegExp(FORBIDDEN.source, "gu"),
    (ch) => `\\u{${(ch.codePointAt(0) ?? 0).toString(16)}}`,
  );
}

/** JSON.stringify that also escapes what it leaves raw (C1 controls, bidi, zero-width): still valid JSON. */
export function safeJson(value: unknown, indent?: number): string {
  // Raw C0 characters in JSON text are only its own indentation newlines; strings escape theirs.
  return JSON.stringify(value, null, indent).replace(new RegExp(`(?!\n)${FORBIDDEN.source}`, "gu"), (ch) =>
    [...ch]
      .flatMap((c) => (c.length === 2 ? [c.charCodeAt(0), c.charCodeAt(1)] : [c.charCodeAt(0)]))
      .map((u) => `\\u${u.toString(16).padStart(4, "0")}`)
      .join(""),
  );
}
