import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";

export interface ControllerProcess {
  pid: number;
  adminUrl: string;
  panelUrl: string;
  output(): string;
  stop(): Promise<void>;
}

const BIN = join(import.meta.dirname, "../../bin/doorward.js");

/** Runs `doorward admin add` with the password on stdin, as an installer would. */
export function addAdmin(config: string, name: string, password: string): void {
  const r = spawnSync(process.execPath, [BIN, "admin", "add", name, "--config", config], {
    input: `${password}\n`,
    encoding: "utf8",
  });
  if (r.status !== 0) throw new Error(`admin add failed: ${r.stderr}`);
}

/** Runs one CLI command as its own process (as an admin at the console would), failing loudly. */
export function runCli(config: string, args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args, "--config", config], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`doorward ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

export function writeConfig(dir: string, sections = "web: {port: 0}\nsimulator_panel: {port: 0}\n"): string {
  const path = join(dir, "config.yaml");
  writeFileSync(path, `data_dir: ${join(dir, "data")}\nlog_level: warn\n${sections}`);
  return path;
}

const CONTROLLER_START_MS = 45_000;

/** `doorward start --simulate` as a real process; resolves once both URLs are printed. */
export async function startControllerProcess(config: string): Promise<ControllerProcess> {
  const child: ChildProcessWithoutNullStreams = spawn(
    process.execPath,
    [BIN, "start", "--simulate", "--config", config],
    {
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  let out = "";
  child.stdout.on("data", (d) => (out += d));
  child.stderr.on("data", (d) => (out += d));
  const urls = await new Promise<{ admin: string; panel: string }>((resolve, reject) => {
    // An upper bound, not a delay (the ready line resolves at once): a first start creates the
    // database, keys and certificate, seen taking over 15 s at load 17 on two cores. A process
    // that never gets ready is killed, not left running after the test.
    const timer = setTimeout(() => {
      child.kill("SIGKILL");
      reject(new Error(`controller did not print its URLs within ${CONTROLLER_START_MS} ms:\n${out}`));
    }, CONTROLLER_START_MS);
    const check = () => {
      const admin = /admin page: (https:\/\/\S+)/.exec(out)?.[1];
      const panel = /simulator panel: (http:\/\/\S+)/.exec(out)?.[1];
      // The URLs are printed before the "ready" line, so whatever is missing then is not coming.
      if (out.includes("ready and locked (")) {
        clearTimeout(timer);
        resolve({ admin: admin ?? "", panel: panel ?? "" });
      }
    };
    child.stdout.on("data", check);
    child.once("exit", (code) => reject(new Error(`controller exited ${code}:\n${out}`)));
  });
  return {
    pid: child.pid as number,
    adminUrl: urls.admin,
    panelUrl: urls.panel,
    output: () => out,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.stdin.end("quit\n");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}
