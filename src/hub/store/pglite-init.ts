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
import { dirname, join } from "node:path";
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
  const building = `${dir}.initdb`;
  rmSync(building, { recursive: true, force: true }); // an earlier attempt that was cut short
  mkdirSync(building, { recursive: true, mode: 0o700 });
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
  renameSync(building, dir); // replaces an empty directory

  const parent = openSync(dirname(dir), "r");
  try {
    fsyncSync(parent); // the rename itself outlives a power cut
  } finally {
    closeSync(parent);
  }
}
