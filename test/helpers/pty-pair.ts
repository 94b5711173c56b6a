import { type ChildProcess, spawn, spawnSync } from "node:child_process";

/** Whether `socat` can be run: the pty tests skip (with a warning) when it cannot. */
export const hasSocat = spawnSync("socat", ["-V"], { stdio: "ignore" }).status === 0;

/** Starts socat with two linked raw ptys and returns their paths. */
export function startPtyPair(): Promise<{ proc: ChildProcess; paths: [string, string] }> {
  return new Promise((resolve, reject) => {
    const proc = spawn("socat", ["-d", "-d", "pty,raw,echo=0", "pty,raw,echo=0"]);
    const paths: string[] = [];
    let stderr = "";
    const timer = setTimeout(() => reject(new Error(`socat gave no ptys: ${stderr}`)), 5000);
    proc.stderr.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
      for (const match of stderr.matchAll(/PTY is (\S+)/g))
        if (!paths.includes(match[1] as string)) paths.push(match[1] as string);
      if (paths.length === 2) {
        clearTimeout(timer);
        resolve({ proc, paths: [paths[0] as string, paths[1] as string] });
      }
    });
    proc.on("error", reject);
  });
}
