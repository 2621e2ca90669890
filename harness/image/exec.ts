/**
 * Small process helpers for the image tooling: run a command to completion (with a timeout), and fail
 * with a message that carries the command line and its stderr.
 */
import { spawn, SpawnOptions } from "child_process";

export interface ExecResult {
  /** Exit code; null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

export interface ExecOptions {
  cwd?: string;
  /** Extra environment variables, merged over process.env. */
  env?: Record<string, string>;
  /** Data written to stdin (stdin is closed afterwards). */
  input?: string | Buffer;
  /** Kill (SIGKILL) after this many milliseconds; default 10 minutes. */
  timeoutMs?: number;
  /** Throw when the exit code is not 0 (default true). */
  check?: boolean;
  /** Copy output to this process's stderr as it arrives (for long builds). */
  echo?: boolean;
}

export class ExecError extends Error {
  constructor(
    public readonly argv: readonly string[],
    public readonly result: ExecResult,
  ) {
    const tail = (result.stderr || result.stdout).trim().split("\n").slice(-30).join("\n");
    super(
      `command failed (${result.code !== null ? `exit ${result.code}` : `signal ${result.signal}`}): ` +
        `${argv.map(quote).join(" ")}\n${tail}`,
    );
    this.name = "ExecError";
  }
}

export function quote(arg: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function exec(argv: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const [cmd, ...args] = argv;
  const spawnOpts: SpawnOptions = {
    cwd: opts.cwd,
    env: { ...process.env, ...(opts.env ?? {}) },
    stdio: ["pipe", "pipe", "pipe"],
  };
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, spawnOpts);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d: Buffer) => {
      stdout += d.toString();
      if (opts.echo) {
        process.stderr.write(d);
      }
    });
    child.stderr!.on("data", (d: Buffer) => {
      stderr += d.toString();
      if (opts.echo) {
        process.stderr.write(d);
      }
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 600_000);
    child.on("error", (err) => {
      clearTimeout(timer);
      reject(new Error(`cannot run ${cmd}: ${err.message}`));
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const result: ExecResult = { code, signal, stdout, stderr };
      if ((opts.check ?? true) && code !== 0) {
        reject(new ExecError(argv, result));
      } else {
        resolve(result);
      }
    });
    child.stdin!.on("error", () => undefined);
    child.stdin!.end(opts.input ?? "");
  });
}

/** True when `name` is an executable on PATH (or an absolute path that is executable). */
export async function hasCommand(name: string): Promise<boolean> {
  const r = await exec(["sh", "-c", 'command -v "$1" >/dev/null 2>&1', "sh", name], { check: false });
  return r.code === 0;
}

/** Serializes async work: `run(fn)` starts fn after every earlier fn has settled. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}
