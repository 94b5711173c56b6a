import { fsyncSync } from "node:fs";
import type { Extension } from "@electric-sql/pglite";

/**
 * PostgreSQL settings that make a PGlite commit durable. PGlite starts PostgreSQL with `-F`
 * (fsync off), and Emscripten's fdatasync() is a no-op that never reaches the file system: with
 * PostgreSQL's default wal_sync_method (fdatasync) a commit's WAL would still never be synced.
 * fsync() does reach it (Emscripten's fd_sync calls the stream's fsync op, see nodefsFsync).
 */
export const PGLITE_DURABILITY: Readonly<Record<string, string>> = {
  fsync: "on",
  synchronous_commit: "on",
  wal_sync_method: "fsync",
};

/** PGlite's default start parameters without `-F` (fsync off); the rest kept as they are. */
export function durableStartParams(defaults: readonly string[]): string[] {
  return defaults.filter((param) => param !== "-F");
}

/** The parts of Emscripten's NODEFS (exposed as Module.NODEFS by PGlite 0.5) used here. */
interface NodeFsStream {
  nfd?: number; // the Node file descriptor, set by NODEFS's open for files and directories
  node: unknown;
}
interface EmscriptenNodeFs {
  stream_ops: { fsync?: (stream: NodeFsStream) => number };
  realPath(node: unknown): string;
  tryFSOperation<T>(op: () => T): T;
}

/**
 * A PGlite extension that gives Emscripten's NODEFS the fsync op it lacks, so PostgreSQL's
 * fsync() of a WAL segment, a data file or a directory becomes a real fsync of the host file:
 * without it nothing PGlite writes survives a power cut. Installed in preRun, before PostgreSQL
 * opens its files. `onFsync` is told the host path of each file synced (tests observe it).
 */
export function nodefsFsync(onFsync?: (hostPath: string) => void): Extension {
  return {
    name: "doorward-nodefs-fsync",
    setup: async (_pg, emscriptenOpts: { preRun?: unknown[] }) => ({
      emscriptenOpts: {
        ...emscriptenOpts,
        preRun: [
          ...(emscriptenOpts.preRun ?? []),
          (mod: { NODEFS?: EmscriptenNodeFs }) => patch(mod, onFsync),
        ],
      },
    }),
  };
}

function patch(mod: { NODEFS?: EmscriptenNodeFs }, onFsync?: (hostPath: string) => void): void {
  const nodefs = mod.NODEFS;
  // A PGlite whose module no longer looks like this would silently lose durability: refuse it.
  if (
    !nodefs?.stream_ops ||
    typeof nodefs.realPath !== "function" ||
    typeof nodefs.tryFSOperation !== "function"
  )
    throw new Error(
      "PGlite's Emscripten module has no NODEFS to give fsync to: commits would not be durable",
    );
  nodefs.stream_ops.fsync = (stream) => {
    const fd = stream.nfd;
    if (fd === undefined) return 0; // not opened through NODEFS (nothing of ours to sync)
    // A failed fsync becomes an errno for PostgreSQL, which then PANICs instead of acknowledging.
    nodefs.tryFSOperation(() => fsyncSync(fd));
    onFsync?.(nodefs.realPath(stream.node));
    return 0;
  };
}
