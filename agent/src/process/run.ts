/**
 * Runs the node's tools (ip, nft, ss, ethtool) as child processes and returns what they printed. The agent drives
 * the kernel through these tools rather than netlink libraries: they are what the image ships, what an operator
 * runs by hand to check the agent's work, and their syntax is documented and stable.
 */
import { spawn, spawnSync } from "child_process";

/** The outcome of one command. */
export interface CommandResult {
  /** Exit code; null when killed by a signal or never started. */
  code: number | null;
  /** Everything printed on stdout. */
  stdout: string;
  /** Everything printed on stderr (or why the command could not start). */
  stderr: string;
}

/** Options of {@link runCommand}. */
export interface RunOptions {
  /** Written to the command's stdin, which is then closed. */
  input?: string;
  /** Kills the command after this many milliseconds. Default 30 000. */
  timeoutMs?: number;
}

/** Runs `cmd args` and resolves with its exit code and output; never rejects. */
export function runCommand(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<CommandResult> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ["pipe", "pipe", "pipe"] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    let settled = false;
    const finish = (r: CommandResult): void => {
      if (!settled) {
        settled = true;
        clearTimeout(timer);
        resolve(r);
      }
    };
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 30_000);
    child.stdout.on("data", (d: Buffer) => out.push(d));
    child.stderr.on("data", (d: Buffer) => err.push(d));
    child.on("error", (e) => finish({ code: null, stdout: "", stderr: `${cmd}: ${e.message}` }));
    child.on("close", (code) =>
      finish({
        code,
        stdout: Buffer.concat(out).toString("utf8"),
        stderr: Buffer.concat(err).toString("utf8"),
      }),
    );
    child.stdin.on("error", () => undefined);
    child.stdin.end(opts.input ?? "");
  });
}

/** Synchronous variant for the exit path, where the event loop may not run again. */
export function runCommandSync(cmd: string, args: readonly string[], opts: RunOptions = {}): CommandResult {
  const r = spawnSync(cmd, args, {
    input: opts.input ?? "",
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 30_000,
  });
  if (r.error) {
    return { code: null, stdout: "", stderr: `${cmd}: ${r.error.message}` };
  }
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

/** A failed command as an error whose message says what ran and what it printed. */
export class CommandError extends Error {
  constructor(
    readonly command: string,
    readonly result: CommandResult,
  ) {
    super(`${command} failed (exit ${result.code}): ${result.stderr.trim() || result.stdout.trim()}`);
    this.name = "CommandError";
  }
}

/** Runs a command and rejects with a {@link CommandError} unless it exits 0; resolves with its stdout. */
export async function runChecked(
  cmd: string,
  args: readonly string[],
  opts: RunOptions = {},
): Promise<string> {
  const r = await runCommand(cmd, args, opts);
  if (r.code !== 0) {
    throw new CommandError([cmd, ...args].join(" "), r);
  }
  return r.stdout;
}
