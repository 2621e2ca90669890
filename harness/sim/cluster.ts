// A small EKS-like cluster in network namespaces, on the test machine's kernel.
//
//   inet (198.51.100.10) ── vpc router ── eth0 of nodes A, B, C, the VPC host, the sensor, the API
//                                          │
//                 node netns: eth0 10.77.0.x/16, eni<hash> host veths, kube-proxy-style nat rules
//                                          │
//                 pod netns: eth0 podIP/32, default via 169.254.1.1 (static neighbour), as the VPC CNI does
//
// The "vpc" namespace plays the VPC fabric: it owns 10.77.0.1, answers ARP for every VPC address (proxy
// ARP) and routes each pod /32 to the node whose ENI holds it. Everything is created inside namespaces
// named <prefix><key>; nothing is created in the caller's namespace. Library: used by the mocha suite and
// by benchmark scripts. Requires root, ip, nft, iptables-legacy (or iptables), tcpdump, socat, ping, curl, jq.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { bundleAgentProgram } from "../../agent/build";
import { DLT_EN10MB, decodeIpv4, readPcapStreams } from "./pcap";
import type { Command, Reply } from "./processes";
import * as T from "./topology";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const ENTRYPOINT = path.join(REPO_ROOT, "agent", "entrypoint.sh");
export const SHARED_STANDIN = path.join(REPO_ROOT, "harness", "sim", "rpcapd-standin.sh");
export const NS_PREFIX_ROOT = "ehsim";

const REQUIRED_TOOLS = ["ip", "nft", "tcpdump", "socat", "ping", "curl", "jq", "sysctl"];

/** Throws (never skips) when the simulation cannot run here, saying why. */
export function checkPrerequisites(): void {
  if (typeof process.getuid !== "function" || process.getuid() !== 0) {
    throw new Error(
      "the netns simulation needs root (ip netns, veth, nft); run the suite as root (CI: .ci/run)",
    );
  }
  const missing = REQUIRED_TOOLS.filter((t) => !which(t));
  if (!which("iptables-legacy") && !which("iptables")) {
    missing.push("iptables");
  }
  if (missing.length > 0) {
    throw new Error(
      `the netns simulation needs these tools, missing: ${missing.join(", ")} (Debian: iproute2 nftables tcpdump socat iputils-ping curl jq iptables procps)`,
    );
  }
}

export function which(tool: string): string | undefined {
  for (const dir of (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin")
    .split(":")
    .concat(["/usr/sbin", "/sbin"])) {
    const p = path.join(dir, tool);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

function sh(ns: string | undefined, script: string): string {
  const argv = ns ? ["netns", "exec", ns, "sh", "-ec", script] : ["-c", script];
  try {
    return execFileSync(ns ? "ip" : "sh", ns ? argv : ["-ec", script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(`in netns ${ns ?? "(caller)"}: ${err.stderr || err.message}\nscript:\n${script}`);
  }
}

/** Names of all network namespaces on the machine. */
export function listNetns(): string[] {
  const out = execFileSync("ip", ["netns", "list"], { encoding: "utf8" });
  return out
    .split("\n")
    .map((l) => l.split(" ")[0])
    .filter((n) => n !== "");
}

/** Kills the processes living in the given namespaces, then deletes them (missing ones are ignored). */
export function deleteNamespaces(names: string[]): void {
  for (const ns of names) {
    let pids: number[] = [];
    try {
      pids = execFileSync("ip", ["netns", "pids", ns], { encoding: "utf8" })
        .split(/\s+/)
        .filter((x) => x !== "")
        .map(Number);
    } catch {
      // gone already
    }
    for (const pid of pids) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // exited
      }
    }
  }
  for (const ns of names) {
    try {
      execFileSync("ip", ["netns", "del", ns], { stdio: "ignore" });
    } catch {
      // gone already
    }
  }
}

/** Removes namespaces left by earlier runs whose process is gone (a crashed or killed test run). */
export function cleanupStale(): string[] {
  const stale = listNetns().filter((n) => {
    const m = new RegExp(`^${NS_PREFIX_ROOT}(\\d+)x`).exec(n);
    if (!m) {
      return false;
    }
    try {
      process.kill(Number(m[1]), 0);
      return false; // its run is still going (maybe a parallel run): leave it alone
    } catch {
      return true;
    }
  });
  deleteNamespaces(stale);
  return stale;
}

/** How an agent is started in a node namespace: the script directly, or inside the built image. */
export interface AgentRunner {
  readonly description: string;
  start(opts: {
    netns: string;
    env: Record<string, string>;
    stateDir: string;
    logFile: string;
  }): Promise<AgentHandle>;
}

export interface AgentHandle {
  /** Sends SIGTERM (or sig), waits for exit (kills after graceMs). */
  stop(sig?: NodeJS.Signals, graceMs?: number): Promise<{ code: number | null; signal: string | null }>;
  exited: Promise<{ code: number | null; signal: string | null }>;
  /** Where the agent writes its state dir, as seen from the host (ready file, ini, ruleset). */
  hostStateDir: string;
  /** PID (host PID namespace) of the entrypoint's shell. */
  pid(): Promise<number>;
}

let agentBundle: string | undefined;
/** The agent program (agent/src), bundled once per process by agent/build.ts, as the entrypoint runs it. */
export function agentProgram(): string {
  agentBundle ??= bundleAgentProgram(path.join(os.tmpdir(), `ehagent-${process.pid}`, "agent.js")).file;
  return agentBundle;
}

/** Runs agent/entrypoint.sh with /bin/sh (dash on Debian) under `ip netns exec`. */
export class ScriptRunner implements AgentRunner {
  readonly description = "agent/entrypoint.sh under ip netns exec";
  constructor(private readonly entrypoint = ENTRYPOINT) {}
  async start(o: {
    netns: string;
    env: Record<string, string>;
    stateDir: string;
    logFile: string;
  }): Promise<AgentHandle> {
    const fd = fs.openSync(o.logFile, "a");
    const child = spawn("ip", ["netns", "exec", o.netns, "/bin/sh", this.entrypoint], {
      env: {
        PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
        AGENT_PROGRAM: agentProgram(),
        ...o.env,
        STATE_DIR: o.stateDir,
        READY_FILE: path.join(o.stateDir, "ready"),
      },
      stdio: ["ignore", fd, fd],
    });
    fs.closeSync(fd);
    return childHandle(child, o.stateDir);
  }
}

export function childHandle(child: ChildProcess, hostStateDir: string): AgentHandle {
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      resolve({ code: child.exitCode, signal: child.signalCode });
    }
    child.on("exit", (code, signal) => resolve({ code, signal }));
  });
  return {
    hostStateDir,
    exited,
    pid: async () => child.pid!,
    async stop(sig: NodeJS.Signals = "SIGTERM", graceMs = 10_000) {
      child.kill(sig);
      const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
      const r = await exited;
      clearTimeout(timer);
      return r;
    },
  };
}

class Worker {
  private seq = 0;
  private readonly pending = new Map<number, (r: Reply) => void>();
  readonly ready: Promise<void>;
  constructor(
    readonly ns: string,
    readonly proc: ChildProcess,
  ) {
    let readyResolve!: () => void;
    let readyReject!: (e: Error) => void;
    this.ready = new Promise((res, rej) => {
      readyResolve = res;
      readyReject = rej;
    });
    let stderr = "";
    proc.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
    proc.on("exit", (code) => readyReject(new Error(`worker in ${ns} exited (${code}): ${stderr}`)));
    readline.createInterface({ input: proc.stdout! }).on("line", (line) => {
      const r = JSON.parse(line) as Reply;
      if (r.id === 0) {
        readyResolve();
      } else {
        this.pending.get(r.id)?.(r);
        this.pending.delete(r.id);
      }
    });
  }
  send(c: Omit<Command, "id">): Promise<Reply> {
    const id = ++this.seq;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.proc.stdin!.write(JSON.stringify({ ...c, id }) + "\n");
    });
  }
}

export interface Observation {
  marker: string;
  kind: "req" | "rsp" | "err";
  src: string;
  dst: string;
  proto: number;
  totalLength: number;
  fragment: boolean;
  /** Sensor file (one per rpcapd connection, named after the node that sent it). */
  from: string;
  id: number;
  sport?: number;
  dport?: number;
}

export interface Capture {
  observations: Observation[];
  /** Frames whose link type is not Ethernet (must be none for our agent). */
  nonEthernet: number;
  /** Frames per pcap link type (1 = EN10MB, 113 = LINUX_SLL, 276 = LINUX_SLL2). */
  linkTypes: Record<number, number>;
  /** Frames to or from the sensor itself (the agent's own stream; must be none). */
  sensorFrames: number;
  /** Total frames received. */
  frames: number;
  /** Every IPv4 frame, in arrival order per file. */
  packets: {
    src: string;
    dst: string;
    id: number;
    proto: number;
    totalLength: number;
    fragment: boolean;
    from: string;
    frameLength: number;
    sport?: number;
    dport?: number;
    seq?: number;
    l4PayloadLength?: number;
  }[];
  /** Frames whose packet the sensor had already received (same IP ID and transport content, headers NAT
   * may rewrite ignored): any packet forwarded twice, marked or not. */
  duplicates: { src: string; dst: string; proto: number; from: string }[];
}

/** What identifies one packet across hops and NAT: IP ID, protocol, transport content minus ports and
 * checksums. TCP sequence numbers and payload markers make collisions between different packets unlikely. */
export function packetKey(ipId: number, proto: number, l4: Buffer): string {
  let inv: Buffer;
  if (proto === 6 && l4.length >= 20) {
    inv = Buffer.concat([l4.subarray(4, 16), l4.subarray(18)]);
  } else if (proto === 17 && l4.length >= 8) {
    inv = Buffer.concat([l4.subarray(4, 6), l4.subarray(8)]);
  } else if (proto === 1 && l4.length >= 4) {
    inv = Buffer.concat([l4.subarray(0, 2), l4.subarray(4)]);
  } else {
    inv = l4;
  }
  return `${ipId}/${proto}/${crypto.createHash("sha1").update(inv).digest("hex")}`;
}

export const MARKER_RE = /mk[0-9a-z]{14}/g;

export interface ClusterOptions {
  /** iptables binary for the kube-proxy-style rules; default iptables-legacy (what EKS AL2 nodes use). */
  iptables?: string;
  /** rpcapd stand-in; default harness/sim/rpcapd-standin.sh. */
  rpcapdBin?: string;
  /** Seconds between membership polls (MEMBER_SYNC_INTERVAL); default 2. */
  syncInterval?: number;
}

export class Cluster {
  readonly prefix: string;
  readonly workDir: string;
  private readonly workers = new Map<string, Worker>();
  private readonly daemons: ChildProcess[] = [];
  private agents = new Map<string, AgentHandle>();
  private sensorDir = "";
  private readonly opts: Required<ClusterOptions>;
  private bundle = "";
  private destroyed = false;

  private constructor(opts: ClusterOptions) {
    this.prefix = `${NS_PREFIX_ROOT}${process.pid}x${crypto.randomBytes(2).toString("hex")}-`;
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ehsim-"));
    this.opts = {
      iptables: opts.iptables ?? (which("iptables-legacy") ? "iptables-legacy" : "iptables"),
      rpcapdBin: opts.rpcapdBin ?? SHARED_STANDIN,
      syncInterval: opts.syncInterval ?? 2,
    };
  }

  /** Builds the whole cluster; on failure everything created so far is removed. */
  static async create(opts: ClusterOptions = {}): Promise<Cluster> {
    checkPrerequisites();
    cleanupStale();
    const c = new Cluster(opts);
    try {
      c.buildBundle();
      c.buildNetwork();
      await c.startDaemons();
    } catch (e) {
      await c.destroy();
      throw e;
    }
    return c;
  }

  ns(key: string): string {
    return this.prefix + key;
  }

  private buildBundle(): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    this.bundle = path.join(this.workDir, "processes.js");
    esbuild.buildSync({
      entryPoints: [path.join(__dirname, "processes.ts")],
      outfile: this.bundle,
      platform: "node",
      bundle: true,
      logLevel: "silent",
    });
  }

  private namespaces(): string[] {
    const keys = [
      "vpc",
      "inet",
      "vpchost",
      "sensor",
      "api",
      ...T.NODES.map((n) => `n${n.key}`),
      ...T.allPods().map((p) => `p${p.key}`),
    ];
    return keys.map((k) => this.ns(k));
  }

  private buildNetwork(): void {
    for (const ns of this.namespaces()) {
      execFileSync("ip", ["netns", "add", ns]);
      sh(ns, "ip link set lo up; sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
    }
    const vpc = this.ns("vpc");
    sh(
      vpc,
      `ip addr add ${T.VPC_ROUTER}/32 dev lo
             sysctl -qw net.ipv4.ip_forward=1`,
    );
    const hosts: [string, string][] = [
      ...T.NODES.map((n): [string, string] => [`n${n.key}`, n.ip]),
      ["vpchost", T.VPC_HOST_IP],
      ["sensor", T.SENSOR_IP],
      ["api", T.API_IP],
    ];
    for (const [key, ip] of hosts) {
      const v = `v${key}`.slice(0, 15);
      sh(
        vpc,
        `ip link add ${v} type veth peer name eth0 netns ${this.ns(key)}
                 sysctl -qw net.ipv4.conf.${v}.proxy_arp=1 net.ipv4.neigh.${v}.proxy_delay=0
                 ip link set ${v} up
                 ip route add ${ip}/32 dev ${v}`,
      );
      sh(
        this.ns(key),
        `ip addr add ${ip}/16 dev eth0
                 ip link set eth0 up
                 ip route add default via ${T.VPC_ROUTER}`,
      );
    }
    // The internet, behind the VPC's router (plays IGW + NAT gateway: routes, no NAT of its own).
    sh(
      vpc,
      `ip link add vinet type veth peer name eth0 netns ${this.ns("inet")}
             ip addr add ${T.INET_ROUTER_IP}/24 dev vinet
             ip link set vinet up`,
    );
    sh(
      this.ns("inet"),
      `ip addr add ${T.INET_IP}/24 dev eth0; ip link set eth0 up; ip route add default via ${T.INET_ROUTER_IP}`,
    );

    for (const n of T.NODES) {
      const nodeNs = this.ns(`n${n.key}`);
      sh(nodeNs, "sysctl -qw net.ipv4.ip_forward=1");
      for (const p of n.pods) {
        this.wirePod(n, p);
      }
      this.installKubeProxy(n);
    }
  }

  /** Wires a pod the way the VPC CNI does (the pod's namespace must exist). */
  private wirePod(n: T.NodeSpec, p: T.PodSpec): void {
    const nodeNs = this.ns(`n${n.key}`);
    const eni = T.hostVethName(p.name);
    const podNs = this.ns(`p${p.key}`);
    sh(nodeNs, `ip link add ${eni} type veth peer name eth0 netns ${podNs}`);
    const eniMac = sh(nodeNs, `cat /sys/class/net/${eni}/address`).trim();
    const podMac = sh(podNs, "cat /sys/class/net/eth0/address").trim();
    sh(
      podNs,
      `ip addr add ${p.ip}/32 dev eth0
       ip link set eth0 up
       ip route add 169.254.1.1 dev eth0 scope link
       ip route add default via 169.254.1.1 dev eth0
       ip neigh add 169.254.1.1 lladdr ${eniMac} dev eth0 nud permanent`,
    );
    sh(
      nodeNs,
      `ip link set ${eni} up
       ip route add ${p.ip}/32 dev ${eni} scope link
       ip neigh add ${p.ip} lladdr ${podMac} dev ${eni} nud permanent`,
    );
    sh(this.ns("vpc"), `ip route add ${p.ip}/32 via ${n.ip} dev vn${n.key}`);
  }

  /**
   * Starts a new pod on a node at run time (pod churn), with its own worker. It is not in the fake API
   * until the caller says so (writeApi with T.podsJson([...])).
   */
  async addPod(nodeKey: string, p: T.PodSpec): Promise<void> {
    const ns = this.ns(`p${p.key}`);
    execFileSync("ip", ["netns", "add", ns]);
    sh(ns, "ip link set lo up; sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
    this.wirePod(T.node(nodeKey), p);
    const w = new Worker(ns, this.spawnIn(`p${p.key}`, ["worker", String(T.POD_TCP), String(T.POD_UDP)]));
    this.workers.set(`p${p.key}`, w);
    await withTimeout(w.ready, 20_000, `starting the worker of pod ${p.key}`);
  }

  /** kube-proxy (iptables mode) and VPC CNI SNAT rules, shaped like theirs. */
  private installKubeProxy(n: T.NodeSpec): void {
    const dnat = (dst: string, port: number, backend: string, bport: number, proto: string): string =>
      `-A KUBE-SERVICES -d ${dst}/32 -p ${proto} -m ${proto} --dport ${port} -j DNAT --to-destination ${backend}:${bport}`;
    const rules: string[] = [
      "*nat",
      ":PREROUTING ACCEPT [0:0]",
      ":INPUT ACCEPT [0:0]",
      ":OUTPUT ACCEPT [0:0]",
      ":POSTROUTING ACCEPT [0:0]",
      ":KUBE-SERVICES - [0:0]",
      ":KUBE-NODEPORTS - [0:0]",
      ":KUBE-MARK-MASQ - [0:0]",
      ":KUBE-POSTROUTING - [0:0]",
      ":AWS-SNAT-CHAIN-0 - [0:0]",
      '-A PREROUTING -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A OUTPUT -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
      '-A POSTROUTING -m comment --comment "kubernetes postrouting rules" -j KUBE-POSTROUTING',
      '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
      "-A KUBE-MARK-MASQ -j MARK --set-xmark 0x4000/0x4000",
      "-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN",
      "-A KUBE-POSTROUTING -j MARK --set-xmark 0x4000/0x0",
      "-A KUBE-POSTROUTING -j MASQUERADE --random-fully",
    ];
    for (const s of Object.values(T.SERVICES)) {
      const b = T.pod(s.backend).ip;
      rules.push(dnat(s.ip, s.port, b, T.POD_TCP, "tcp"), dnat(s.ip, s.port, b, T.POD_UDP, "udp"));
    }
    const npb = T.pod(T.NODEPORT_BACKEND).ip;
    rules.push(
      "-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS",
      `-A KUBE-NODEPORTS -p tcp -m tcp --dport ${T.NODEPORT_TCP} -j KUBE-MARK-MASQ`,
      `-A KUBE-NODEPORTS -p tcp -m tcp --dport ${T.NODEPORT_TCP} -j DNAT --to-destination ${npb}:${T.POD_TCP}`,
      `-A KUBE-NODEPORTS -p udp -m udp --dport ${T.NODEPORT_UDP} -j KUBE-MARK-MASQ`,
      `-A KUBE-NODEPORTS -p udp -m udp --dport ${T.NODEPORT_UDP} -j DNAT --to-destination ${npb}:${T.POD_UDP}`,
      `-A AWS-SNAT-CHAIN-0 -d ${T.VPC_CIDR} -m comment --comment "AWS SNAT CHAIN" -j RETURN`,
      `-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${n.ip} --random-fully`,
      "COMMIT",
      "",
    );
    const file = path.join(this.workDir, `nat-${n.key}.rules`);
    fs.writeFileSync(file, rules.join("\n"));
    sh(this.ns(`n${n.key}`), `${this.opts.iptables}-restore < ${file}`);
  }

  private spawnIn(key: string, args: string[]): ChildProcess {
    const p = spawn("ip", ["netns", "exec", this.ns(key), process.execPath, this.bundle, ...args], {
      stdio: ["pipe", "pipe", "pipe"],
    });
    this.daemons.push(p);
    return p;
  }

  private async startDaemons(): Promise<void> {
    this.sensorDir = path.join(this.workDir, "sensor");
    fs.mkdirSync(this.sensorDir);
    const apiDir = path.join(this.workDir, "api");
    fs.mkdirSync(apiDir);
    this.writeApi(T.nodesJson(), T.podsJson());
    fs.writeFileSync(path.join(this.workDir, "token"), T.API_TOKEN);
    const lineReady = (p: ChildProcess, what: string): Promise<void> =>
      new Promise((res, rej) => {
        let err = "";
        p.stderr!.on("data", (d: Buffer) => (err += d.toString()));
        p.on("exit", (c) => rej(new Error(`${what} exited (${c}): ${err}`)));
        readline.createInterface({ input: p.stdout! }).once("line", () => res());
      });
    const waits: Promise<void>[] = [
      lineReady(this.spawnIn("sensor", ["sensor", String(T.SENSOR_PORT), this.sensorDir]), "sensor"),
      lineReady(this.spawnIn("api", ["api", String(T.API_PORT), apiDir, T.API_TOKEN]), "fake API"),
    ];
    const workerKeys = [
      "inet",
      "vpchost",
      ...T.NODES.map((n) => `n${n.key}`),
      ...T.allPods().map((p) => `p${p.key}`),
    ];
    for (const key of workerKeys) {
      const isNode = key.startsWith("n");
      const w = new Worker(
        this.ns(key),
        this.spawnIn(key, [
          "worker",
          String(isNode ? T.HOST_TCP : T.POD_TCP),
          String(isNode ? T.HOST_UDP : T.POD_UDP),
        ]),
      );
      this.workers.set(key, w);
      waits.push(w.ready);
    }
    await withTimeout(Promise.all(waits), 30_000, "starting sensor, API and workers");
  }

  /** Replaces what the fake API answers (membership changes). */
  writeApi(nodes: object, pods: object): void {
    const dir = path.join(this.workDir, "api");
    fs.writeFileSync(path.join(dir, "nodes.json.tmp"), JSON.stringify(nodes));
    fs.renameSync(path.join(dir, "nodes.json.tmp"), path.join(dir, "nodes.json"));
    fs.writeFileSync(path.join(dir, "pods.json.tmp"), JSON.stringify(pods));
    fs.renameSync(path.join(dir, "pods.json.tmp"), path.join(dir, "pods.json"));
  }

  worker(key: string): Worker {
    const w = this.workers.get(key);
    if (!w) {
      throw new Error(`no worker ${key}`);
    }
    return w;
  }

  /** The environment the DaemonSet gives the agent, for one node. */
  agentEnv(n: T.NodeSpec, vpcMirroring: boolean): Record<string, string> {
    return {
      EXTRAHOP_SENSOR_IP: T.SENSOR_IP,
      RPCAPD_TARGET_PORT: String(T.SENSOR_PORT),
      PODNET: T.PODNET,
      SVCNET: T.SVCNET,
      VPC_MIRRORING: String(vpcMirroring),
      NODE_NAME: n.name,
      RPCAPD_BIN: this.opts.rpcapdBin,
      RPCAPD_STANDIN_RETRY: "1",
      KUBE_API_URL: `http://${T.API_IP}:${T.API_PORT}`,
      KUBE_TOKEN_FILE: path.join(this.workDir, "token"),
      KUBE_CA_FILE: "/nonexistent/ca.crt",
      MEMBER_SYNC_INTERVAL: String(this.opts.syncInterval),
      // Stops stay fast; the graceful handover has a test of its own.
      SHUTDOWN_DELAY: "0",
    };
  }

  /**
   * Starts the agent on every node that runs one, waits until each is ready and its capture stream
   * reached the sensor. `runners` picks a runner per node key (default: the script).
   */
  async startAgents(
    vpcMirroring: boolean,
    runners: Record<string, AgentRunner> = {},
    envOverride: Record<string, string> = {},
  ): Promise<void> {
    await this.stopAgents();
    for (const f of fs.readdirSync(this.sensorDir)) {
      fs.rmSync(path.join(this.sensorDir, f));
    }
    const starts = T.NODES.filter((n) => n.agent).map(async (n) => {
      const stateDir = path.join(this.workDir, `agent-${n.key}-${vpcMirroring}`);
      fs.rmSync(stateDir, { recursive: true, force: true });
      fs.mkdirSync(stateDir, { recursive: true });
      const runner = runners[n.key] ?? new ScriptRunner();
      const h = await runner.start({
        netns: this.ns(`n${n.key}`),
        env: { ...this.agentEnv(n, vpcMirroring), ...envOverride },
        stateDir,
        logFile: this.agentLog(n.key),
      });
      this.agents.set(n.key, h);
      await this.waitAgentReady(n, h, 60_000);
    });
    await Promise.all(starts);
  }

  agentLog(key: string): string {
    return path.join(this.workDir, `agent-${key}.log`);
  }

  private async waitAgentReady(n: T.NodeSpec, h: AgentHandle, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: { code: number | null } | undefined;
    void h.exited.then((r) => (exited = r));
    while (Date.now() < deadline) {
      if (exited) {
        throw new Error(
          `agent on node ${n.key} exited (${exited.code}) before ready:\n${this.readLog(n.key)}`,
        );
      }
      const ready = fs.existsSync(path.join(h.hostStateDir, "ready"));
      const streamed = fs
        .readdirSync(this.sensorDir)
        .some((f) => f.startsWith(`${n.ip}-`) && fs.statSync(path.join(this.sensorDir, f)).size >= 24);
      if (ready && streamed) {
        return;
      }
      await sleep(100);
    }
    throw new Error(`agent on node ${n.key} not ready within ${timeoutMs} ms:\n${this.readLog(n.key)}`);
  }

  readLog(key: string): string {
    try {
      return fs.readFileSync(this.agentLog(key), "utf8");
    } catch {
      return "(no log)";
    }
  }

  /** Stops every agent with SIGTERM; returns their exit statuses by node key. */
  async stopAgents(): Promise<Record<string, { code: number | null; signal: string | null }>> {
    const out: Record<string, { code: number | null; signal: string | null }> = {};
    await Promise.all([...this.agents.entries()].map(async ([k, h]) => (out[k] = await h.stop())));
    this.agents.clear();
    return out;
  }

  agent(key: string): AgentHandle | undefined {
    return this.agents.get(key);
  }

  /** Runs a shell script in one of the cluster's namespaces. */
  exec(key: string, script: string): string {
    return sh(this.ns(key), script);
  }

  /** The directory where the sensor saves each connection's stream (`<peer IP>-<n>.pcap`). */
  get sensorCaptureDir(): string {
    return this.sensorDir;
  }

  /**
   * Reads everything the sensor received so far. IPv4 is decoded from Ethernet and from Linux cooked
   * capture (v1 and v2) frames alike, so a capture on `any` is counted by the same rules; `nonEthernet`
   * and `linkTypes` say what arrived.
   */
  collect(): Capture {
    const cap: Capture = {
      observations: [],
      nonEthernet: 0,
      linkTypes: {},
      sensorFrames: 0,
      frames: 0,
      duplicates: [],
      packets: [],
    };
    const seen = new Set<string>();
    for (const f of fs.readdirSync(this.sensorDir)) {
      const frames = readPcapStreams(fs.readFileSync(path.join(this.sensorDir, f)));
      for (const fr of frames) {
        cap.frames++;
        cap.linkTypes[fr.linkType] = (cap.linkTypes[fr.linkType] ?? 0) + 1;
        if (fr.linkType !== DLT_EN10MB) {
          cap.nonEthernet++;
        }
        const ip = decodeIpv4(fr);
        if (!ip) {
          continue;
        }
        if (ip.src === T.SENSOR_IP || ip.dst === T.SENSOR_IP) {
          cap.sensorFrames++;
        }
        cap.packets.push({
          src: ip.src,
          dst: ip.dst,
          id: ip.id,
          proto: ip.proto,
          totalLength: ip.totalLength,
          fragment: ip.fragment,
          from: f,
          frameLength: fr.data.length,
          sport: ip.sport,
          dport: ip.dport,
          seq: ip.seq,
          l4PayloadLength: ip.l4PayloadLength,
        });
        const key = packetKey(ip.id, ip.proto, ip.payload);
        if (seen.has(key)) {
          cap.duplicates.push({ src: ip.src, dst: ip.dst, proto: ip.proto, from: f });
        }
        seen.add(key);
        const text = ip.payload.toString("latin1");
        const markers = new Set(text.match(MARKER_RE) ?? []);
        for (const m of markers) {
          let kind: Observation["kind"];
          if (ip.proto === 1 && ip.icmpType !== 8 && ip.icmpType !== 0) {
            kind = "err";
          } else if (ip.proto === 1) {
            kind = ip.icmpType === 8 ? "req" : "rsp";
          } else if (text.includes(`RSP ${m}`)) {
            kind = "rsp";
          } else {
            kind = "req";
          }
          cap.observations.push({
            marker: m,
            kind,
            src: ip.src,
            dst: ip.dst,
            proto: ip.proto,
            totalLength: ip.totalLength,
            fragment: ip.fragment,
            from: f,
            id: ip.id,
            sport: ip.sport,
            dport: ip.dport,
          });
        }
      }
    }
    return cap;
  }

  /** Removes every namespace and process of this cluster. Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    try {
      await withTimeout(this.stopAgents(), 15_000, "stopping agents");
    } catch {
      // the namespaces go anyway
    }
    for (const d of this.daemons) {
      d.kill("SIGKILL");
    }
    deleteNamespaces(listNetns().filter((n) => n.startsWith(this.prefix)));
    if (!process.env.EHSIM_KEEP_WORKDIR) {
      fs.rmSync(this.workDir, { recursive: true, force: true });
    }
  }
}

/** Direct children of a process (host /proc). */
export function childPids(pid: number): number[] {
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

export function cmdline(pid: number): string {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ");
  } catch {
    return "";
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      p,
      new Promise<never>((_, rej) => {
        timer = setTimeout(() => rej(new Error(`timed out after ${ms} ms: ${what}`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
