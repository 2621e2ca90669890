// CPU time and memory of a process tree, read from /proc (proc(5): /proc/PID/stat fields 14-17 are utime, stime,
// cutime, cstime in clock ticks; /proc/PID/status VmHWM/VmRSS in kB; /proc/PID/task/TID/children lists children).
import { execFileSync } from "child_process";
import * as fs from "fs";

const TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;

function read(file: string): string | undefined {
  try {
    return fs.readFileSync(file, "utf8");
  } catch {
    return undefined;
  }
}

/** The pids of a process and all its live descendants. */
export function processTree(pid: number): number[] {
  const out: number[] = [];
  const visit = (p: number): void => {
    out.push(p);
    let tasks: string[] = [];
    try {
      tasks = fs.readdirSync(`/proc/${p}/task`);
    } catch {
      return;
    }
    for (const t of tasks) {
      for (const c of (read(`/proc/${p}/task/${t}/children`) ?? "").trim().split(/\s+/)) {
        if (c !== "") {
          visit(Number(c));
        }
      }
    }
  };
  visit(pid);
  return out;
}

/** CPU seconds of one process, own plus reaped children's. */
export function cpuSeconds(pid: number): number {
  const stat = read(`/proc/${pid}/stat`);
  if (!stat) {
    return 0;
  }
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14])) / TICKS;
}

/** CPU seconds of a whole tree (live processes plus what they reaped). */
export function treeCpuSeconds(pid: number): number {
  return processTree(pid).reduce((sum, p) => sum + cpuSeconds(p), 0);
}

/** A memory field of /proc/PID/status in MB (VmHWM, VmRSS, RssAnon), 0 when gone. */
export function memoryMb(pid: number, field: "VmHWM" | "VmRSS" | "RssAnon"): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(read(`/proc/${pid}/status`) ?? "");
  return m ? Number(m[1]) / 1024 : 0;
}

/** The command name of a process. */
export function commandName(pid: number): string {
  return (read(`/proc/${pid}/comm`) ?? "").trim();
}
