// CPU seconds used by processes (Linux /proc), to say which part of a pipeline costs what.
import { readdirSync, readFileSync } from "node:fs";

const TICKS = 100; // USER_HZ on Linux

function stat(pid: number): { ppid: number; cpu: number } | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
    return { ppid: Number(f[1]), cpu: (Number(f[11]) + Number(f[12])) / TICKS };
  } catch {
    return null;
  }
}

/** A process and every descendant (a PostgreSQL postmaster's backends, a shell's children). */
export function treeCpuSeconds(root: number): number {
  const children = new Map<number, number[]>();
  let rootCpu = 0;
  for (const name of readdirSync("/proc")) {
    const pid = Number(name);
    if (!Number.isInteger(pid)) continue;
    const s = stat(pid);
    if (!s) continue;
    if (pid === root) rootCpu = s.cpu;
    children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
  }
  let total = rootCpu;
  const walk = (pid: number) => {
    for (const c of children.get(pid) ?? []) {
      total += stat(c)?.cpu ?? 0;
      walk(c);
    }
  };
  walk(root);
  return total;
}

export function processCpuSeconds(pid: number): number {
  return stat(pid)?.cpu ?? 0;
}

export function loadAverage(): string {
  return readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
}
