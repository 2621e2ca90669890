/**
 * A persistent `nft -i` process that applies membership changes to the kernel sets, one transaction per batch.
 *
 * Facts this rests on (nftables 1.0.6, Debian 12; checked on kernel 6.18):
 * - `nft -i` runs each input line as one transaction: `cmd; cmd` on one line commit together or not at all, and
 *   `include "file"` on a line commits the whole file with it (used for batches too long for one line: libedit
 *   reads the line one byte per read(2), the scanner reads a file in blocks);
 * - it writes nothing for a successful element command and `Error: ...` lines for a failed one; a `describe`
 *   command needs no kernel access and always prints one known line, so each batch is followed by one and the
 *   output up to that line belongs to that batch (stdout and stderr share one pipe, so they stay in order);
 * - libedit keeps every line in its history (about 170 bytes of memory per command) and reads/writes
 *   `$HOME/.nft.history`: HOME points nowhere, and the process is replaced after a budget of bytes sent (the sets
 *   live in the kernel, so a fresh process needs nothing re-added);
 * - element commands on a table with large interval sets are slow (see membership/sets.ts).
 * If nft dies, it is started again (with backoff) and the full current contents are written once, as one
 * transaction (flush + add per set): the batch in flight may or may not have been committed.
 */
import { ChildProcessByStdio, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import type { Readable, Writable } from "stream";
import { LineSplitter } from "../kube/lineSplitter";
import { Backoff, BackoffOptions } from "../membership/backoff";
import { formatIpv4, parseIpv4 } from "../membership/ipv4";
import { KernelSets, SET_NAMES, SetChanges, SetName } from "../membership/sets";

/** The command that follows every batch, and the start of the one line it prints. */
const SENTINEL_COMMAND = "describe ip saddr";
const SENTINEL_LINE = "payload expression, datatype ipv4_addr";

/** Settings of the session. */
export interface NftSessionOptions {
  /** Table family (default `ip`). */
  family?: string;
  /** Table name (default `extrahop_rpcapd`); the table and its sets must exist. */
  table?: string;
  /** The nft command line (default `["nft", "-i"]`; tests prefix `ip netns exec NS`). */
  command?: readonly string[];
  /** Directory for batches too long for one input line (default the system temp dir). */
  spoolDir?: string;
  /** Longest batch sent as one input line, in bytes (default 64 KiB). */
  inlineLimitBytes?: number;
  /** Bytes of commands after which a fresh nft process takes over (default 4 MiB). */
  recycleAfterBytes?: number;
  /** Backoff between restarts of a failing nft (default 0.8 s doubling to 30 s). */
  restartBackoff?: BackoffOptions;
  /** Structured log. */
  log: (event: Record<string, unknown>) => void;
}

/** Figures of the session. */
export interface NftSessionStats {
  /** Transactions committed (batches and full rewrites). */
  transactions: number;
  /** Transactions nft refused. */
  errors: number;
  /** nft processes started after one died. */
  restarts: number;
  /** nft processes replaced to bound their memory. */
  recycles: number;
  /** Full rewrites of the sets (after an error or a restart). */
  resyncs: number;
  /** Time nft took for the last transaction (ms). */
  lastLatencyMs?: number;
  /** The last error nft reported. */
  lastError?: string;
  /** Elements per set, as the kernel holds them. */
  setSizes: Record<SetName, number>;
}

/** The session: a KernelSets backed by the kernel. */
export interface NftSession extends KernelSets {
  /** Figures. */
  stats(): NftSessionStats;
  /** The contents the kernel holds, in nft syntax (tests, diagnostics). */
  contents(): Record<SetName, string[]>;
  /** Ends the nft process; later applies reject. */
  close(): Promise<void>;
}

type Element = number | string;

interface Child {
  proc: ChildProcessByStdio<Writable, Readable, null>;
  waiters: ((output: string | Error) => void)[];
  lines: string[];
  alive: boolean;
  exited: Promise<void>;
  bytes: number;
}

class NftDied extends Error {}

/** Starts a session (the nft process starts at once). */
export function startNftSession(options: NftSessionOptions): NftSession {
  const family = options.family ?? "ip";
  const table = options.table ?? "extrahop_rpcapd";
  const command = options.command ?? ["nft", "-i"];
  const spoolDir = options.spoolDir ?? os.tmpdir();
  const inlineLimit = options.inlineLimitBytes ?? 64 * 1024;
  const recycleAfter = options.recycleAfterBytes ?? 4 * 1024 * 1024;
  const backoff = new Backoff(options.restartBackoff);
  const log = options.log;
  const spoolFile = path.join(spoolDir, `nft-membership-${process.pid}.nft`);
  const kernel = new Map<SetName, Set<Element>>(SET_NAMES.map((n) => [n, new Set<Element>()]));
  const stats: NftSessionStats = {
    transactions: 0,
    errors: 0,
    restarts: 0,
    recycles: 0,
    resyncs: 0,
    setSizes: { covered4: 0, coverednets4: 0, sidecar4: 0, nodes4: 0 },
  };
  let closed = false;
  let queue: Promise<void> = Promise.resolve();

  const toElement = (text: string): Element => {
    const ip = text.includes("/") ? undefined : parseIpv4(text);
    return ip ?? text;
  };
  const toText = (e: Element): string => (typeof e === "number" ? formatIpv4(e) : e);

  const spawnChild = (): Child => {
    // One pipe for stdout and stderr keeps nft's error lines in order with the sentinel's output.
    const proc = spawn("sh", ["-c", 'exec "$@" 2>&1', "sh", ...command], {
      stdio: ["pipe", "pipe", "ignore"],
      env: { ...process.env, HOME: "/dev/null" },
    });
    const child: Child = { proc, waiters: [], lines: [], alive: true, exited: Promise.resolve(), bytes: 0 };
    const splitter = new LineSplitter();
    proc.stdout.setEncoding("utf8");
    proc.stdout.on("data", (chunk: string) =>
      splitter.push(chunk, (line) => {
        if (line.startsWith(SENTINEL_LINE)) {
          const output = child.lines.join("\n");
          child.lines = [];
          child.waiters.shift()?.(output);
        } else {
          child.lines.push(line);
        }
      }),
    );
    proc.stdin.on("error", () => undefined);
    child.exited = new Promise((resolve) => {
      proc.on("error", () => undefined);
      proc.on("close", (code, signal) => {
        child.alive = false;
        const message = child.lines.join("\n").trim();
        for (const w of child.waiters.splice(0)) {
          w(new NftDied(`nft exited (${signal ?? code})${message ? `: ${message}` : ""}`));
        }
        resolve();
      });
    });
    return child;
  };

  let child = spawnChild();

  /** Sends one transaction's commands; resolves with nft's output for it (empty on success). */
  const send = (c: Child, commands: string[]): Promise<string> => {
    const text = commands.join("\n");
    let line: string;
    if (Buffer.byteLength(text) + commands.length * 2 <= inlineLimit) {
      line = commands.join("; ");
    } else {
      fs.writeFileSync(spoolFile, text + "\n", { mode: 0o600 });
      line = `include ${JSON.stringify(spoolFile)}`;
    }
    return new Promise((resolve, reject) => {
      if (!c.alive) {
        reject(new NftDied("nft is not running"));
        return;
      }
      c.waiters.push((out) => (out instanceof Error ? reject(out) : resolve(out)));
      const payload = `${line}\n${SENTINEL_COMMAND}\n`;
      c.bytes += payload.length;
      c.proc.stdin.write(payload);
    });
  };

  const elementsClause = (elements: Iterable<Element>): string => {
    const parts: string[] = [];
    for (const e of elements) {
      parts.push(toText(e));
    }
    return parts.join(", ");
  };

  const fullRewrite = (): string[] => {
    const commands: string[] = [];
    for (const name of SET_NAMES) {
      commands.push(`flush set ${family} ${table} ${name}`);
      const set = kernel.get(name) as Set<Element>;
      if (set.size > 0) {
        commands.push(`add element ${family} ${table} ${name} { ${elementsClause(set)} }`);
      }
    }
    return commands;
  };

  const updateSizes = (): void => {
    for (const name of SET_NAMES) {
      stats.setSizes[name] = (kernel.get(name) as Set<Element>).size;
    }
  };

  /** Runs commands; on a refused transaction or a dead nft, rewrites everything until the kernel matches. */
  const commit = async (commands: string[]): Promise<void> => {
    let rewrite = false;
    for (;;) {
      if (closed) {
        throw new Error("nft session closed");
      }
      if (!child.alive) {
        await new Promise((r) => setTimeout(r, backoff.fail()));
        if (closed) {
          throw new Error("nft session closed");
        }
        stats.restarts++;
        log({ msg: "nft exited; starting it again", restarts: stats.restarts });
        child = spawnChild();
        rewrite = true;
      }
      const batch = rewrite ? fullRewrite() : commands;
      const started = Date.now();
      let output: string;
      try {
        output = await send(child, batch);
      } catch (e) {
        if (e instanceof NftDied) {
          stats.lastError = e.message;
          continue;
        }
        throw e;
      }
      stats.lastLatencyMs = Date.now() - started;
      if (/^Error:|\nError:/.test(output)) {
        stats.errors++;
        stats.lastError = output.slice(0, 500);
        log({ msg: "nft refused a transaction; rewriting the sets", error: stats.lastError });
        if (rewrite) {
          // Even the rewrite fails (the table is gone?): wait, then try again.
          await new Promise((r) => setTimeout(r, backoff.fail()));
        }
        rewrite = true;
        continue;
      }
      stats.transactions++;
      if (rewrite) {
        stats.resyncs++;
      }
      backoff.succeed();
      if (child.bytes > recycleAfter) {
        const old = child;
        child = spawnChild();
        stats.recycles++;
        old.proc.stdin.end();
      }
      return;
    }
  };

  const apply = (changes: Partial<Record<SetName, SetChanges>>): Promise<void> => {
    const run = async (): Promise<void> => {
      const commands: string[] = [];
      for (const name of SET_NAMES) {
        const c = changes[name];
        const set = kernel.get(name) as Set<Element>;
        if (!c) {
          continue;
        }
        // Only real changes go out: nft refuses a whole transaction for one element deleted twice.
        const deletes = c.delete.map(toElement).filter((e) => set.has(e));
        const adds = c.add.map(toElement).filter((e) => !set.has(e));
        for (const e of deletes) {
          set.delete(e);
        }
        for (const e of adds) {
          set.add(e);
        }
        if (deletes.length > 0) {
          commands.push(`delete element ${family} ${table} ${name} { ${elementsClause(deletes)} }`);
        }
        if (adds.length > 0) {
          commands.push(`add element ${family} ${table} ${name} { ${elementsClause(adds)} }`);
        }
      }
      updateSizes();
      if (commands.length > 0) {
        await commit(commands);
      }
    };
    const next = queue.then(run);
    queue = next.catch(() => undefined);
    return next;
  };

  return {
    apply,
    stats: () => ({ ...stats, setSizes: { ...stats.setSizes } }),
    contents: () => {
      const out = {} as Record<SetName, string[]>;
      for (const name of SET_NAMES) {
        out[name] = [...(kernel.get(name) as Set<Element>)].map(toText).sort();
      }
      return out;
    },
    close: async () => {
      closed = true;
      await queue;
      const c = child;
      c.proc.stdin.end();
      const timer = setTimeout(() => c.proc.kill("SIGKILL"), 5000);
      await c.exited;
      clearTimeout(timer);
      fs.rmSync(spoolFile, { force: true });
    },
  };
}
