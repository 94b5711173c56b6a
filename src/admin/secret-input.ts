import { createInterface } from "node:readline";
import type { CliIo } from "./cli-context.js";
import { UsageError } from "./cli-errors.js";

export interface SecretReader {
  next(prompt: string): Promise<string>;
  close(): void;
}

/** Reads one line from a terminal in raw mode, so what is typed is never echoed. */
function readHiddenLine(
  stdin: NodeJS.ReadStream,
  stderr: NodeJS.WritableStream,
  prompt: string,
): Promise<string> {
  stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = (err?: Error) => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      stderr.write("\n");
      if (err) reject(err);
      else resolve(typed);
    };
    const onData = (chunk: Buffer) => {
      for (const ch of chunk.toString("utf8")) {
        if (ch === "\r" || ch === "\n") return finish();
        if (ch === "\u0003" || ch === "\u0004") return finish(new UsageError("cancelled; nothing changed"));
        if (ch === "\u007f" || ch === "\b") typed = typed.slice(0, -1);
        else if (ch >= " ") typed += ch;
      }
    };
    stdin.on("data", onData);
  });
}

/**
 * Secrets (PINs, passwords) come from a hidden terminal prompt, or line by line from a pipe so
 * scripts can set them; never from the command line, where `ps` and shell history would see them.
 */
export function secretReader(io: CliIo): SecretReader {
  const stdin = io.stdin as NodeJS.ReadStream;
  if (io.stdin.isTTY && typeof stdin.setRawMode === "function") {
    return { next: (prompt) => readHiddenLine(stdin, io.stderr, prompt), close: () => {} };
  }
  const rl = createInterface({ input: io.stdin, terminal: false });
  const lines = rl[Symbol.asyncIterator]();
  return {
    async next() {
      const { value, done } = await lines.next();
      return done ? "" : String(value).replace(/\r$/, "");
    },
    close: () => rl.close(),
  };
}

/** Reads a new secret; on a terminal it is asked twice and must match. */
export async function readNewSecret(io: CliIo, label: string): Promise<string> {
  const reader = secretReader(io);
  try {
    const secret = await reader.next(`New ${label}: `);
    if (io.stdin.isTTY && (await reader.next(`Repeat ${label}: `)) !== secret) {
      throw new UsageError(`the two ${label}s differ; nothing changed`);
    }
    return secret;
  } finally {
    reader.close();
  }
}
