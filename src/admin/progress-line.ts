/**
 * A progress line for a long command on a terminal: nothing for the first second (a quick
 * command prints no noise) and nothing at all when stderr is not a terminal (a script or a log
 * file gets the result only). It rewrites itself in place and is erased when the work ends.
 */
export const PROGRESS_AFTER_MS = 1_000;

export interface ProgressLine {
  update(done: number, total: number): void;
  /** Erases the line, if one was drawn, so the result prints on a clean line. */
  end(): void;
}

export function progressLine(
  stream: NodeJS.WritableStream & { isTTY?: boolean },
  label: string,
  nowMs: () => number,
): ProgressLine {
  const startedMs = nowMs();
  let drawn = false;
  return {
    update(done, total) {
      if (stream.isTTY !== true) return;
      const elapsedMs = nowMs() - startedMs;
      if (elapsedMs < PROGRESS_AFTER_MS) return;
      const percent = total > 0 ? Math.min(100, Math.floor((100 * done) / total)) : 0;
      const perSecond = Math.round(done / (elapsedMs / 1000));
      stream.write(
        `\r${label}: ${done.toLocaleString("en")} of ${total.toLocaleString("en")} rows (${percent}%, ${perSecond.toLocaleString("en")} rows/s)\x1b[K`,
      );
      drawn = true;
    },
    end() {
      if (drawn) stream.write("\r\x1b[K");
      drawn = false;
    },
  };
}
