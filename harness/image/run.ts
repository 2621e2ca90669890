/**
 * Runs commands inside a built image with `buildah run --isolation chroot`, optionally inside a network
 * namespace (`ip netns exec NS buildah run ...`). Each run gets its own working container (buildah from),
 * removed afterwards, so concurrent runs (one per simulated node) never share a filesystem.
 *
 * What chroot isolation gives the process (measured with buildah 1.28 on Debian 12, see docs/image.md):
 * - network: the namespace buildah was started in (the host's, or NS under `ip netns exec NS`); it sees
 *   that namespace's interfaces, routes, netfilter (nft/iptables) and ipsets, and changes them for real.
 * - capabilities: the container default set (CHOWN, DAC_OVERRIDE, FOWNER, FSETID, KILL, SETGID, SETUID,
 *   SETPCAP, NET_BIND_SERVICE, SYS_CHROOT, SETFCAP): no NET_ADMIN, no NET_RAW. runInImage adds
 *   NET_ADMIN and NET_RAW by default, as the DaemonSet's securityContext must.
 * - /proc: the host's PID namespace (ps shows host processes; signals can be sent from the host to the
 *   container's processes by PID); /proc/sys is read-only, so sysctl writes fail inside: set sysctls
 *   from the host side (`ip netns exec NS sysctl -w ...`).
 * - /sys: a read-only sysfs of the current network namespace (/sys/class/net lists NS's interfaces).
 * - mount and UTS namespaces of its own; environment: the image's Env plus `env` given here, nothing
 *   inherited from the caller (HOSTNAME is random).
 * - signals: `buildah run` does not forward SIGTERM, it kills its child; RunHandle.signal() therefore
 *   signals the container's top process by PID.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import {
  buildah,
  buildahArgv,
  inspectImage,
  runContainerName,
  STORAGE_ROOT,
  STORAGE_RUNROOT,
} from "./buildah";
import { ExecResult } from "./exec";

export interface RunInImageOptions {
  /** Image tag or ID. */
  image: string;
  /** Network namespace name (as in `ip netns list`); default: the caller's namespace. */
  netns?: string;
  /** Environment variables for the command. */
  env?: Record<string, string>;
  /** argv; use `entrypoint: true` to prepend the image's ENTRYPOINT. */
  cmd: string[];
  /** Prepend the image's ENTRYPOINT to cmd (as `docker run` does). */
  entrypoint?: boolean;
  /** Capabilities added to the default set; default ["CAP_NET_ADMIN", "CAP_NET_RAW"]. */
  capAdd?: string[];
  /** Bind mounts, "host:container[:options]". */
  volumes?: string[];
  /** SIGKILL the run after this many ms; default 120 000 for runInImage, none for startInImage. */
  timeoutMs?: number;
  /** Copy the command's stdout/stderr to this process's stderr, prefixed with this label. */
  echoPrefix?: string;
}

export interface RunResult extends ExecResult {
  /** Working container name (already removed). */
  container: string;
}

export interface RunHandle {
  container: string;
  /** The buildah process (or `ip netns exec` that became buildah). */
  child: ChildProcess;
  /** Output so far. */
  stdout(): string;
  stderr(): string;
  /** PID (host PID namespace) of the command itself, once it has started. */
  pid(timeoutMs?: number): Promise<number>;
  /** Sends a signal to the command itself (buildah would SIGKILL it rather than forward). */
  signal(sig?: NodeJS.Signals): Promise<void>;
  /** Signals the command, waits up to graceMs for it to exit, then kills it; resolves with the result. */
  stop(sig?: NodeJS.Signals, graceMs?: number): Promise<RunResult>;
  /** Resolves when the command has exited and its container is removed. */
  exited: Promise<RunResult>;
}

/** Starts a command in a fresh working container of `image`; returns at once with a handle. */
export async function startInImage(opts: RunInImageOptions): Promise<RunHandle> {
  const container = runContainerName();
  const cmd = opts.entrypoint ? [...(await inspectImage(opts.image)).entrypoint, ...opts.cmd] : opts.cmd;
  if (cmd.length === 0) {
    throw new Error(
      `nothing to run in ${opts.image}: empty cmd${opts.entrypoint ? " and no ENTRYPOINT" : ""}`,
    );
  }
  await buildah(["from", "--pull=never", "--quiet", "--name", container, opts.image]);
  const args = ["run", "--isolation", "chroot"];
  for (const cap of opts.capAdd ?? ["CAP_NET_ADMIN", "CAP_NET_RAW"]) {
    args.push("--cap-add", cap);
  }
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    args.push("--env", `${k}=${v}`);
  }
  for (const v of opts.volumes ?? []) {
    args.push("--volume", v);
  }
  args.push(container, "--", ...cmd);
  let argv = buildahArgv(args);
  if (opts.netns) {
    if (!fs.existsSync(`/run/netns/${opts.netns}`)) {
      await buildah(["rm", container], { check: false });
      throw new Error(`network namespace ${opts.netns} does not exist (/run/netns/${opts.netns})`);
    }
    argv = ["ip", "netns", "exec", opts.netns, ...argv];
  }
  fs.mkdirSync(STORAGE_ROOT, { recursive: true });
  fs.mkdirSync(STORAGE_RUNROOT, { recursive: true });
  const child = spawn(argv[0], argv.slice(1), {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, BUILDAH_ISOLATION: "chroot" },
  });
  let stdout = "";
  let stderr = "";
  const echo = (d: Buffer) => {
    if (opts.echoPrefix !== undefined) {
      for (const line of d
        .toString()
        .split("\n")
        .filter((l) => l !== "")) {
        process.stderr.write(`${opts.echoPrefix}${line}\n`);
      }
    }
  };
  child.stdout!.on("data", (d: Buffer) => {
    stdout += d.toString();
    echo(d);
  });
  child.stderr!.on("data", (d: Buffer) => {
    stderr += d.toString();
    echo(d);
  });
  let timer: NodeJS.Timeout | undefined;
  if (opts.timeoutMs) {
    timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs);
  }
  const exited = new Promise<RunResult>((resolve) => {
    const finish = (code: number | null, signal: NodeJS.Signals | null) => {
      if (timer) {
        clearTimeout(timer);
      }
      void buildah(["rm", container], { check: false }).then(() =>
        resolve({ code, signal, stdout, stderr, container }),
      );
    };
    child.on("error", (err) => {
      stderr += `cannot start ${argv[0]}: ${err.message}\n`;
      finish(127, null);
    });
    child.on("close", finish);
  });
  let done = false;
  void exited.then(() => (done = true));

  const pid = async (timeoutMs = 20_000): Promise<number> => {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (done) {
        throw new Error(`container ${container} has exited`);
      }
      const p = child.pid !== undefined ? commandPid(child.pid) : undefined;
      if (p !== undefined) {
        return p;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`container ${container}: the command did not start within ${timeoutMs} ms`);
  };
  const signal = async (sig: NodeJS.Signals = "SIGTERM") => {
    if (done) {
      return;
    }
    try {
      process.kill(await pid(), sig);
    } catch (e) {
      if (!done) {
        throw e;
      }
    }
  };
  const stop = async (sig: NodeJS.Signals = "SIGTERM", graceMs = 10_000) => {
    await signal(sig).catch(() => undefined);
    const t = setTimeout(() => child.kill("SIGKILL"), graceMs);
    const r = await exited;
    clearTimeout(t);
    return r;
  };
  return { container, child, stdout: () => stdout, stderr: () => stderr, pid, signal, stop, exited };
}

/** Runs a command in a fresh working container of `image` and waits for it (default timeout 120 s). */
export async function runInImage(opts: RunInImageOptions): Promise<RunResult> {
  const h = await startInImage({ ...opts, timeoutMs: opts.timeoutMs ?? 120_000 });
  return h.exited;
}

// ---- process tree helpers (host /proc) ------------------------------------------------------------
function childrenOf(pid: number): number[] {
  try {
    const tasks = fs.readdirSync(`/proc/${pid}/task`);
    const out: number[] = [];
    for (const t of tasks) {
      const c = fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
      if (c) {
        out.push(...c.split(/\s+/).map(Number));
      }
    }
    return out;
  } catch {
    return [];
  }
}

function comm(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, "utf8").trim();
  } catch {
    return "";
  }
}

/**
 * The container's top process: the first descendant of the buildah process that is not buildah itself
 * (buildah re-executes itself from a memfd, "memfd:buildah-c", to set up the chroot).
 */
function commandPid(root: number): number | undefined {
  const queue = [...childrenOf(root)];
  while (queue.length) {
    const p = queue.shift()!;
    const c = comm(p);
    if (c === "" || c === "buildah" || c.startsWith("memfd:buildah")) {
      queue.push(...childrenOf(p));
      continue;
    }
    return p;
  }
  return undefined;
}
