import { execFile } from "node:child_process";
import {
  closeSync,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
} from "node:fs";
import { createRequire } from "node:module";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";

// The child's module: from the build, or from the sources through tsx's loader (tests, bench).
const FROM_SOURCES = import.meta.url.endsWith(".ts");
const CHILD_MODULE = fileURLToPath(
  new URL(`./pglite-init-child${FROM_SOURCES ? ".ts" : ".js"}`, import.meta.url),
);
const LOADER = FROM_SOURCES
  ? ["--import", pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href]
  : [];

/**
 * Makes sure `dir` holds an embedded hub database, creating one in a child process when it
 * does not. In the hub's own process PGlite's initdb raised the resident size to ~820 MB, and
 * ~500 MB of it stayed after the temporary instance closed (malloc does not hand it back), on
 * a hub that then needs ~200 MB. The cluster is built next to `dir` and renamed into place, so
 * an initdb cut short (power, kill) leaves no half-made database that would later open as one.
 */
export async function ensurePgliteDataDir(dir: string): Promise<void> {
  if (existsSync(join(dir, "PG_VERSION"))) return;
  // An empty directory (made by an earlier start) is replaced; one with other files is not ours.
  if (existsSync(dir) && readdirSync(dir).length > 0)
    throw new Error(`${dir} holds files but no PostgreSQL cluster (no PG_VERSION): move them away`);
  // Earlier attempts that were cut short. Each attempt builds in a directory of its own: a child
  // orphaned by a killed hub may still be writing into its directory, and only the process that
  // started a child renames that child's directory into place.
  const parent = dirname(dir);
  mkdirSync(parent, { recursive: true, mode: 0o700 });
  const prefix = `${basename(dir)}.initdb-`;
  for (const name of readdirSync(parent))
    if (name.startsWith(prefix)) rmSync(join(parent, name), { recursive: true, force: true });
  const building = `${dir}.initdb-${process.pid}`;
  mkdirSync(building, { mode: 0o700 });
  try {
    await promisify(execFile)(process.execPath, [...LOADER, CHILD_MODULE, building], {
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (err) {
    rmSync(building, { recursive: true, force: true });
    const e = err as { stderr?: string; message: string };
    const why = e.stderr?.trim().split("\n").filter(Boolean).slice(-3).join(" / ") || e.message;
    throw new Error(`could not create the embedded hub database in ${dir}: ${why}`);
  }
  // PGlite's file system never fsyncs: the cluster is put on disk before it becomes the database,
  // and the rename after it.
  fsyncTree(building);
  renameSync(building, dir); // replaces an empty directory
  fsyncPath(parent);
}

function fsyncTree(path: string): void {
  for (const entry of readdirSync(path, { withFileTypes: true }))
    if (entry.isDirectory()) fsyncTree(join(path, entry.name));
    else if (entry.isFile()) fsyncPath(join(path, entry.name));
  fsyncPath(path);
}

function fsyncPath(path: string): void {
  const fd = openSync(path, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
