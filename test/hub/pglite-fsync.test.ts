import { closeSync, openSync } from "node:fs";
import { join } from "node:path";
import type { PGliteInterface } from "@electric-sql/pglite";
import { describe, expect, it } from "vitest";
import { nodefsFsync } from "../../src/hub/store/pglite-fsync.js";
import { tempDir } from "../helpers/harness.js";

// The op's wiring into PostgreSQL is covered on a real PGlite in pglite-store.test.ts; these are
// the paths a real PGlite does not take: a module without NODEFS, an fsync that fails.
type Op = (stream: { nfd?: number; node: unknown }) => number;
type Module = { NODEFS?: unknown };

async function preRunOf(onFsync?: (path: string) => void): Promise<(mod: Module) => void> {
  const setup = await nodefsFsync(onFsync).setup({} as PGliteInterface, { preRun: [] });
  const preRun = (setup.emscriptenOpts as { preRun: Array<(mod: Module) => void> }).preRun;
  expect(preRun).toHaveLength(1);
  return preRun[0] as (mod: Module) => void;
}

function fakeNodefs() {
  const nodefs = {
    stream_ops: {} as { fsync?: Op },
    realPath: (node: unknown) => String(node),
    // Emscripten's converts a Node error into an errno for the caller; passing it through is enough.
    tryFSOperation: <T>(op: () => T): T => op(),
  };
  return nodefs;
}

describe("PGlite's NODEFS given an fsync", () => {
  it("a PGlite module without NODEFS is refused: the hub does not start undurable", async () => {
    const preRun = await preRunOf();
    expect(() => preRun({})).toThrow("no NODEFS to give fsync to");
  });

  it("a file's fsync syncs its Node descriptor and is reported with the host path", async () => {
    const synced: string[] = [];
    const preRun = await preRunOf((path) => synced.push(path));
    const nodefs = fakeNodefs();
    preRun({ NODEFS: nodefs });
    const path = join(tempDir(), "000000010000000000000001");
    const fd = openSync(path, "w");
    try {
      expect(nodefs.stream_ops.fsync?.({ nfd: fd, node: path })).toBe(0);
    } finally {
      closeSync(fd);
    }
    expect(synced).toEqual([path]);
  });

  it("an fsync that fails reaches the caller as an error and is not reported as synced", async () => {
    const synced: string[] = [];
    const preRun = await preRunOf((path) => synced.push(path));
    const nodefs = fakeNodefs();
    preRun({ NODEFS: nodefs });
    const fd = openSync(join(tempDir(), "wal"), "w");
    closeSync(fd); // a descriptor that is no longer open: fsync fails with EBADF
    expect(() => nodefs.stream_ops.fsync?.({ nfd: fd, node: "wal" })).toThrow(/EBADF/);
    expect(synced).toEqual([]);
  });
});
