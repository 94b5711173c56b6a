import { describe, expect, it } from "vitest";
import { PROGRESS_AFTER_MS, progressLine } from "../../src/admin/progress-line.js";

function fakeStream(isTTY: boolean) {
  const written: string[] = [];
  return {
    isTTY,
    written,
    write: (chunk: string) => written.push(chunk) > 0,
  } as unknown as NodeJS.WritableStream & {
    isTTY: boolean;
    written: string[];
  };
}

describe("the progress line of a long command (issue 15 item 4: log verify)", () => {
  it("on a terminal: nothing for the first second, then the count and share, erased at the end", () => {
    let now = 0;
    const stream = fakeStream(true);
    const line = progressLine(stream, "verifying", () => now);
    now = PROGRESS_AFTER_MS - 1;
    line.update(100_000, 10_000_000);
    expect(stream.written).toEqual([]);
    now = 2_000;
    line.update(1_000_000, 10_000_000);
    expect(stream.written).toEqual(["\rverifying: 1,000,000 of 10,000,000 rows (10%, 500,000 rows/s)\x1b[K"]);
    line.end();
    expect(stream.written.at(-1)).toBe("\r\x1b[K");
  });

  it("not a terminal (a script, a log file): never a progress line", () => {
    let now = 0;
    const stream = fakeStream(false);
    const line = progressLine(stream, "verifying", () => now);
    now = 60_000;
    line.update(5_000_000, 10_000_000);
    line.end();
    expect(stream.written).toEqual([]);
  });

  it("a quick walk on a terminal: nothing drawn, nothing erased", () => {
    const stream = fakeStream(true);
    const line = progressLine(stream, "verifying", () => 0);
    line.update(65_536, 70_000);
    line.end();
    expect(stream.written).toEqual([]);
  });
});
