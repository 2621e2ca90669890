/**
 * A long-running child (rpcapd, `ip monitor`) whose output lines are passed on as they come, whose exit is a
 * promise, and which receives signals. The agent never daemonizes its children: it must notice their death.
 */
import { ChildProcess, spawn } from "child_process";
import * as readline from "readline";

/** How a child ended. */
export interface ChildExit {
  /** Exit code, or null when a signal ended it. */
  code: number | null;
  /** The signal that ended it, or null. */
  signal: NodeJS.Signals | null;
}

/** A started child. */
export interface SupervisedChild {
  /** Its process id. */
  pid: number | undefined;
  /** Resolves when it has exited (also when it could not start: code null, signal null). */
  exited: Promise<ChildExit>;
  /** True until it has exited. */
  running(): boolean;
  /** Sends a signal (ignored once it has exited). */
  signal(sig: NodeJS.Signals): void;
}

/**
 * Starts `cmd args`; every stdout/stderr line goes to `onLine`, a start failure to `onError`.
 */
export function startChild(
  cmd: string,
  args: readonly string[],
  onLine: (line: string, stream: "stdout" | "stderr") => void,
  onError: (e: Error) => void = () => undefined,
): SupervisedChild {
  const child: ChildProcess = spawn(cmd, args, { stdio: ["ignore", "pipe", "pipe"] });
  let done = false;
  const exited = new Promise<ChildExit>((resolve) => {
    child.on("error", (e) => {
      onError(e);
      if (child.pid === undefined) {
        done = true;
        resolve({ code: null, signal: null });
      }
    });
    child.on("close", (code, signal) => {
      done = true;
      resolve({ code, signal });
    });
  });
  for (const stream of ["stdout", "stderr"] as const) {
    const s = child[stream];
    if (s) {
      readline.createInterface({ input: s }).on("line", (l) => onLine(l, stream));
    }
  }
  return {
    pid: child.pid,
    exited,
    running: () => !done,
    signal: (sig) => {
      if (!done) {
        try {
          child.kill(sig);
        } catch {
          // exited in the meantime
        }
      }
    },
  };
}
