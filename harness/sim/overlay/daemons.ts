// The long-running processes of the simulation: the roles of harness/sim/processes.ts (echo workers that also act
// as clients, the sensor, the fake API) bundled once with esbuild, and the line protocol to drive a worker. The same
// mechanics as the private Worker class and startDaemons of harness/sim/cluster.ts.
import { ChildProcess, spawn } from "child_process";
import * as path from "path";
import * as readline from "readline";
import type { Command, Reply } from "../processes";

/** Bundles harness/sim/processes.ts into `outDir` (one file, Node built-ins only) and returns its path. */
export function bundleProcesses(outDir: string): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require("esbuild") as typeof import("esbuild");
  const out = path.join(outDir, "processes.js");
  esbuild.buildSync({
    entryPoints: [path.join(__dirname, "..", "processes.ts")],
    outfile: out,
    platform: "node",
    bundle: true,
    logLevel: "silent",
  });
  return out;
}

/** Starts a command inside a namespace with piped stdio. */
export function spawnInNamespace(ns: string, argv: string[]): ChildProcess {
  return spawn("ip", ["netns", "exec", ns, ...argv], { stdio: ["pipe", "pipe", "pipe"] });
}

/** Resolves on the process's first stdout line ("ready"); rejects, with its stderr, if it exits first. */
export function firstLine(p: ChildProcess, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let err = "";
    p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
    p.on("exit", (c) => reject(new Error(`${what} exited (${c}): ${err}`)));
    readline.createInterface({ input: p.stdout! }).once("line", () => resolve());
  });
}

/** A worker process (echo servers + client) driven by JSON lines. */
export class Worker {
  private seq = 0;
  private readonly pending = new Map<number, (r: Reply) => void>();
  /** Resolves once the worker's servers listen. */
  readonly ready: Promise<void>;

  constructor(
    readonly ns: string,
    readonly proc: ChildProcess,
  ) {
    let resolveReady!: () => void;
    let rejectReady!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      resolveReady = res;
      rejectReady = rej;
    });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.on("exit", (code) => rejectReady(new Error(`worker in ${ns} exited (${code}): ${stderr}`)));
    readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
      const r = JSON.parse(line) as Reply;
      if (r.id === 0) {
        resolveReady();
      } else {
        this.pending.get(r.id)?.(r);
        this.pending.delete(r.id);
      }
    });
  }

  /** Runs one client operation and resolves with its outcome. */
  send(c: Omit<Command, "id">): Promise<Reply> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.proc.stdin!.write(JSON.stringify({ ...c, id }) + "\n");
    });
  }
}
