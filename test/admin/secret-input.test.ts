import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { readNewSecret } from "../../src/admin/secret-input.js";

/** A terminal: raw-mode switchable, keystrokes arrive as data chunks. */
function fakeTerminal() {
  const stdin = Object.assign(new PassThrough(), {
    isTTY: true,
    rawModes: [] as boolean[],
  }) as PassThrough & {
    isTTY: boolean;
    rawModes: boolean[];
    setRawMode(on: boolean): void;
  };
  stdin.setRawMode = (on: boolean) => void stdin.rawModes.push(on);
  const stderr = new PassThrough();
  let shown = "";
  stderr.on("data", (c) => (shown += c));
  return { stdin, stderr, shown: () => shown };
}

describe("secret input", () => {
  it("on a terminal, reads in raw mode without echoing, honours backspace, and asks twice", async () => {
    const t = fakeTerminal();
    const io = { stdin: t.stdin, stderr: t.stderr, stdout: new PassThrough(), env: {} };
    const pending = readNewSecret(io, "PIN");
    t.stdin.write("12\u007f34\r");
    await new Promise((r) => setImmediate(r));
    t.stdin.write("134\r");
    await expect(pending).resolves.toBe("134");
    expect(t.shown()).toBe("New PIN: \nRepeat PIN: \n");
    expect(t.stdin.rawModes).toEqual([true, false, true, false]);
  });

  it("a mismatched repeat and Ctrl-C are refusals that change nothing", async () => {
    const t = fakeTerminal();
    const io = { stdin: t.stdin, stderr: t.stderr, stdout: new PassThrough(), env: {} };
    const mismatch = readNewSecret(io, "PIN");
    t.stdin.write("1111\r");
    await new Promise((r) => setImmediate(r));
    t.stdin.write("2222\r");
    await expect(mismatch).rejects.toThrow("the two PINs differ");
    const cancelled = readNewSecret(io, "PIN");
    t.stdin.write("12\u0003");
    await expect(cancelled).rejects.toThrow("cancelled");
    expect(t.stdin.rawModes.at(-1)).toBe(false);
  });
});
