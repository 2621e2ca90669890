// A node and its surroundings in network namespaces, for running the real agent program (agent/entrypoint.sh + the
// bundled program) against the rpcapd stand-in: a node namespace (eth0) on a shared link with an "infra" namespace
// holding two sensors and a fake Kubernetes API (harness/kube, one node and its agent pod). Everything lives in
// namespaces named a2sv<pid>x<rand>-*; nothing is created in the caller's namespace. Namespaces of dead runs are
// removed at the next start.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { bundleAgentProgram } from "../../../agent/build";
import { makeAgentPod, makeNode } from "../../../harness/kube/clusterObjects";

export const REPO = path.resolve(__dirname, "..", "..", "..");
export const ENTRYPOINT = path.join(REPO, "agent", "entrypoint.sh");
export const STANDIN = path.join(REPO, "harness", "sim", "rpcapd-standin.sh");
const ROOT = "a2sv";

export const NODE_IP = "10.61.0.10";
export const NODE_NAME = "ip-10-61-0-10.ec2.internal";
export const SENSOR = "10.61.0.2";
export const SENSOR2 = "10.61.0.4";
export const API_IP = "10.61.0.3";
export const API_PORT = 6443;
export const TOKEN = "a2-supervision-token";
export const METRICS_PORT = 9477;

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Waits for `cond` (polled every 50 ms); throws `what` after `ms`. */
export async function waitFor(what: string, cond: () => boolean, ms = 30_000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) {
      throw new Error(`timed out after ${ms} ms: ${what}`);
    }
    await sleep(50);
  }
}

/** A running agent. */
export interface RunningAgent {
  child: ChildProcess;
  stateDir: string;
  logFile: string;
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Log lines written so far, parsed. */
  lines(): Record<string, unknown>[];
  /** The raw log. */
  log(): string;
  ready(): boolean;
}

function listNetns(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter(Boolean);
}

function deleteNetns(names: string[]): void {
  for (const ns of names) {
    try {
      for (const pid of execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" })
        .split(/\s+/)
        .filter(Boolean)) {
        try {
          process.kill(Number(pid), "SIGKILL");
        } catch {
          // gone
        }
      }
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // gone
    }
  }
}

/** The test bed. */
export class AgentNetns {
  readonly prefix = `${ROOT}${process.pid}x${crypto.randomBytes(2).toString("hex")}-`;
  readonly dir = fs.mkdtempSync(path.join(os.tmpdir(), "a2sv-"));
  readonly program: string;
  private readonly daemons: ChildProcess[] = [];
  private readonly agents: RunningAgent[] = [];
  private sensorProcs = new Map<string, ChildProcess>();
  private started = 0;

  constructor() {
    if (process.getuid?.() !== 0) {
      throw new Error("needs root (ip netns, nft)");
    }
    deleteNetns(
      listNetns().filter((n) => {
        const m = new RegExp(`^${ROOT}(\\d+)x`).exec(n);
        if (!m) {
          return false;
        }
        try {
          process.kill(Number(m[1]), 0);
          return false;
        } catch {
          return true;
        }
      }),
    );
    this.program = bundleAgentProgram(path.join(this.dir, "agent.js")).file;
  }

  ns(key: "node" | "infra"): string {
    return this.prefix + key;
  }

  sh(key: "node" | "infra", script: string): string {
    return execFileSync("ip", ["netns", "exec", this.ns(key), "sh", "-ec", script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  /** Creates the namespaces, the sensors and the API. */
  async setUp(): Promise<void> {
    for (const k of ["node", "infra"] as const) {
      execFileSync("ip", ["netns", "add", this.ns(k)]);
      this.sh(k, "ip link set lo up");
    }
    this.sh(
      "node",
      `ip link add eth0 type veth peer name eth0 netns ${this.ns("infra")}
       ip addr add ${NODE_IP}/24 dev eth0; ip link set eth0 up`,
    );
    this.sh(
      "infra",
      `ip addr add ${SENSOR}/24 dev eth0; ip addr add ${API_IP}/24 dev eth0; ip addr add ${SENSOR2}/24 dev eth0
       ip link set eth0 up`,
    );
    fs.writeFileSync(path.join(this.dir, "token"), TOKEN);
    const objects = {
      nodes: [makeNode({ name: NODE_NAME, ip: NODE_IP })],
      pods: [makeAgentPod(NODE_NAME, NODE_IP)],
    };
    fs.writeFileSync(path.join(this.dir, "objects.json"), JSON.stringify(objects));
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const apiJs = path.join(this.dir, "api.js");
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, "fakeApiProcess.ts")],
      outfile: apiJs,
      bundle: true,
      platform: "node",
      logLevel: "silent",
    });
    const api = spawn(
      "ip",
      [
        "netns",
        "exec",
        this.ns("infra"),
        process.execPath,
        apiJs,
        API_IP,
        String(API_PORT),
        TOKEN,
        path.join(this.dir, "objects.json"),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    this.daemons.push(api);
    await new Promise<void>((resolve, reject) => {
      api.on("exit", (c) => reject(new Error(`fake API exited ${c}`)));
      readline.createInterface({ input: api.stdout! }).once("line", () => resolve());
    });
    this.startSensor(SENSOR);
    this.startSensor(SENSOR2);
  }

  /** Starts (or restarts) a sensor: a listener that saves each connection's stream. */
  startSensor(ip: string): void {
    const dir = path.join(this.dir, `sensor-${ip}`);
    fs.mkdirSync(dir, { recursive: true });
    const p = spawn(
      "ip",
      [
        "netns",
        "exec",
        this.ns("infra"),
        "socat",
        `TCP-LISTEN:2003,bind=${ip},reuseaddr,fork`,
        `SYSTEM:exec cat >${dir}/$SOCAT_PEERADDR-$$.pcap`,
      ],
      { stdio: "ignore" },
    );
    this.sensorProcs.set(ip, p);
    this.daemons.push(p);
  }

  /** Bytes a sensor received from the node, all connections together. */
  received(ip: string): Buffer {
    const dir = path.join(this.dir, `sensor-${ip}`);
    return Buffer.concat(
      fs
        .readdirSync(dir)
        .filter((f) => f.startsWith(`${NODE_IP}-`))
        .map((f) => fs.readFileSync(path.join(dir, f))),
    );
  }

  /** Ends the node's connections to a sensor (what a sensor does after CLOSE or when it restarts). */
  closeFrom(ip: string): void {
    this.sh("infra", `ss -K state established src ${ip} dst ${NODE_IP} sport = :2003 >/dev/null`);
  }

  /** The environment the DaemonSet gives the agent here. */
  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      EXTRAHOP_SENSOR_IP: SENSOR,
      RPCAPD_TARGET_PORT: "2003",
      SVCNET: "10.100.0.0/16",
      VPC_MIRRORING: "false",
      NODE_NAME,
      RPCAPD_BIN: STANDIN,
      RPCAPD_STANDIN_RETRY: "1",
      KUBE_API_URL: `http://${API_IP}:${API_PORT}`,
      KUBE_TOKEN_FILE: path.join(this.dir, "token"),
      SHUTDOWN_DELAY: "0",
      SENSOR_CHECK_INTERVAL: "1",
      ...extra,
    };
  }

  /**
   * Starts the agent through agent/entrypoint.sh in the node namespace; `dropCaps` (capsh names, e.g.
   * `cap_net_admin`) runs it without those capabilities, as a Fargate container runs.
   */
  startAgent(
    env: Record<string, string>,
    name = `agent-${++this.started}`,
    dropCaps: string[] = [],
  ): RunningAgent {
    const stateDir = path.join(this.dir, name);
    fs.rmSync(stateDir, { recursive: true, force: true });
    fs.mkdirSync(stateDir);
    const logFile = path.join(this.dir, `${name}.log`);
    const fd = fs.openSync(logFile, "a");
    const argv =
      dropCaps.length > 0
        ? ["capsh", `--drop=${dropCaps.join(",")}`, "--", "-c", `exec /bin/sh ${ENTRYPOINT}`]
        : ["/bin/sh", ENTRYPOINT];
    const child = spawn("ip", ["netns", "exec", this.ns("node"), ...argv], {
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        AGENT_PROGRAM: this.program,
        STATE_DIR: stateDir,
        READY_FILE: path.join(stateDir, "ready"),
        ...env,
      },
      stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.on("exit", (code, signal) => resolve({ code, signal })),
    );
    const log = (): string => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : "");
    const a: RunningAgent = {
      child,
      stateDir,
      logFile,
      exited,
      log,
      lines: () =>
        log()
          .split("\n")
          .filter((l) => l.startsWith("{"))
          .map((l) => JSON.parse(l) as Record<string, unknown>),
      ready: () => fs.existsSync(path.join(stateDir, "ready")),
    };
    this.agents.push(a);
    return a;
  }

  /** Starts an agent and waits until it is ready and its stream reached the sensor. */
  async startReady(
    env: Record<string, string> = {},
    name = `agent-${++this.started}`,
  ): Promise<RunningAgent> {
    const a = this.startAgent(this.env(env), name);
    let done: { code: number | null } | undefined;
    void a.exited.then((x) => (done = x));
    await waitFor(
      "agent ready with its stream at the sensor",
      () => {
        if (done) {
          throw new Error(`agent exited (${done.code}) before ready:\n${a.log()}`);
        }
        return a.ready() && this.received(SENSOR).length >= 24;
      },
      60_000,
    ).catch((e: Error) => {
      throw new Error(`${e.message}\n${a.log().slice(-3000)}`);
    });
    return a;
  }

  /** Stops every agent still running (TERM, then KILL). */
  async stopAgents(): Promise<void> {
    await Promise.all(
      this.agents.map(async (a) => {
        if (a.child.exitCode === null && a.child.signalCode === null) {
          a.child.kill("SIGTERM");
          const t = setTimeout(() => a.child.kill("SIGKILL"), 15_000);
          await a.exited;
          clearTimeout(t);
        }
      }),
    );
    this.agents.length = 0;
  }

  /** Direct children of a process. */
  static children(pid: number): number[] {
    const out: number[] = [];
    try {
      for (const t of fs.readdirSync(`/proc/${pid}/task`)) {
        const c = fs.readFileSync(`/proc/${pid}/task/${t}/children`, "utf8").trim();
        if (c) {
          out.push(...c.split(/\s+/).map(Number));
        }
      }
    } catch {
      // gone
    }
    return out;
  }

  static cmdline(pid: number): string {
    try {
      return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
    } catch {
      return "";
    }
  }

  /** The node namespace's nft tables and links. */
  nodeState(): { tables: string; links: string[] } {
    return {
      tables: this.sh("node", "nft list tables"),
      links: this.sh("node", "ip -o link show")
        .split("\n")
        .filter(Boolean)
        .map((l) => l.split(":")[1].trim().split("@")[0]),
    };
  }

  /** Removes everything. */
  async destroy(): Promise<void> {
    await this.stopAgents();
    for (const d of this.daemons) {
      d.kill("SIGKILL");
    }
    deleteNetns([this.ns("node"), this.ns("infra")]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
