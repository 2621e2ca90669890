// A small EKS-like cluster in network namespaces, on the test machine's kernel.
//
//   inet, inet2 ── vpc router ── ENIs (eth0, eth1) of nodes A, B, C, U; branch-ENI VLAN links;
//                                          │    Fargate pods; the VPC host; Amazon DNS; the sensor; the API
//                 node netns: eth0/eth1 10.77.0.x, eni<hash>/vlan<hash> host veths, vlan.eth.<id> links, the VPC
//                             CNI's route tables and rules, kube-proxy-style and VPC CNI nat/mangle rules
//                                          │
//                 pod netns: eth0 podIP/32, default via 169.254.1.1 (static neighbour), as the VPC CNI does
//
// The "vpc" namespace plays the VPC fabric: it owns the subnet gateways, answers ARP for every VPC address (proxy
// ARP) and routes each pod /32 to the ENI (or branch ENI) that holds it. AWS Traffic Mirroring is modelled per
// packet on the ENIs the reconciler gives a session (mirrorTap.ts, fleet.ts). Everything is created inside
// namespaces named <prefix><key>; nothing is created in the caller's namespace. Library: used by the mocha suite and
// by benchmark scripts. Requires root, ip, nft, iptables-legacy (or iptables), tcpdump, socat, ping, curl, jq, capsh.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { bundleAgentProgram } from "../../agent/build";
import { DEFAULT_NODEPORT_RANGE } from "../../components/contract/mirror";
import { MirrorFilterPlan, planMirrorFilter } from "../../components/mirror/filterRules";
import type { MirrorFilter } from "../mirror/ruleEvaluator";
import { FargateApiState, nodesJson, podsJson } from "./apiObjects";
import type { SidecarRunner } from "./fargate";
import { SimFleet, simFleet } from "./fleet";
import { MirrorTap } from "./mirrorTap";
import { type Capture, decodeCapture } from "./capture";
import { Frame, readPcapStreams } from "./pcap";
import type { Command, Reply } from "./processes";
import * as T from "./topology";
import {
  branchPodNodeScript,
  fabricEniLink,
  fabricVlanLink,
  nodeIptablesRules,
  nodeRoutingScript,
  podHostVeth,
  podSideScript,
  regularPodNodeScript,
} from "./vpcCni";

export type { Capture, Observation } from "./capture";
export { MARKER_RE, decodeCapture, fromMirror, packetKey } from "./capture";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");
export const ENTRYPOINT = path.join(REPO_ROOT, "agent", "entrypoint.sh");
export const SHARED_STANDIN = path.join(REPO_ROOT, "harness", "sim", "rpcapd-standin.sh");
export const NS_PREFIX_ROOT = "ehsim";

const REQUIRED_TOOLS = ["ip", "nft", "tcpdump", "socat", "ping", "curl", "jq", "sysctl", "capsh"];

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
      `the netns simulation needs these tools, missing: ${missing.join(", ")} (Debian: iproute2 nftables tcpdump socat iputils-ping curl jq iptables procps libcap2-bin)`,
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

export interface ClusterOptions {
  /** iptables binary for the kube-proxy-style rules; default iptables-legacy (what EKS AL2 nodes use). */
  iptables?: string;
  /** rpcapd stand-in; default harness/sim/rpcapd-standin.sh. */
  rpcapdBin?: string;
  /** Seconds between membership polls (MEMBER_SYNC_INTERVAL); default 2. */
  syncInterval?: number;
  /** Pod addressing and security-groups-for-pods mode; default VPC CNI default addressing, standard mode. */
  layout?: T.Layout;
}

/** The AWS side of the simulation: the filter AWS evaluates, and the resolver its network service matches. */
export interface MirrorModel {
  /** What the tables call it, e.g. `egress-only` or `v1@9891d36`. */
  label: string;
  /** The filter's rules and network services. */
  filter: MirrorFilter;
  /** The Amazon DNS addresses the amazon-dns network service matches. */
  amazonDnsIps: string[];
}

/** The filter this checkout deploys for a topology (the agents get the same exclusions in their environment). */
export function checkoutMirrorModel(t: T.SimTopology): MirrorModel & { plan: MirrorFilterPlan } {
  const plan = planMirrorFilter({
    vpcCidrs: t.vpcCidrs,
    sensorIps: [T.SENSOR_IP],
    sensorPort: T.SENSOR_PORT,
    excludedCidrs: t.fargateCidrs,
  });
  return { label: `${plan.dedup} filter`, filter: plan, amazonDnsIps: plan.amazonDnsAddresses, plan };
}

/** What startAgents runs, beyond the node agents. */
export interface StartOptions {
  /** Runs the Fargate pods' capture sidecars (AGENT_ROLE=sidecar); absent = the Fargate pods have none. */
  sidecar?: SidecarRunner;
  /** Extra environment of the sidecars. */
  sidecarEnv?: Record<string, string>;
}

export class Cluster {
  readonly prefix: string;
  readonly workDir: string;
  readonly topology: T.SimTopology;
  /** The reconciler's decision on the simulated fleet: which ENI devices have a mirror session. */
  readonly fleet: SimFleet;
  private readonly workers = new Map<string, Worker>();
  private readonly daemons: ChildProcess[] = [];
  private agents = new Map<string, AgentHandle>();
  private sidecars = new Map<string, AgentHandle>();
  private sensorDir = "";
  private readonly opts: Required<Omit<ClusterOptions, "layout">>;
  private bundle = "";
  private destroyed = false;
  private readonly tap: MirrorTap;
  private mirroring = false;
  /** The AWS filter evaluated over what leaves mirrored ENIs (default: this checkout's). */
  mirrorModel: MirrorModel;
  /** What the fake API says about the Fargate pods' sidecars. */
  private fargateApi: FargateApiState = { sidecar: false, sidecarReady: false };
  /** Extra pods in the API (churn) and pods removed from it. */
  private apiExtra: { node: string; pod: T.PodSpec }[] = [];
  private apiWithout: string[] = [];

  private constructor(opts: ClusterOptions) {
    this.prefix = `${NS_PREFIX_ROOT}${process.pid}x${crypto.randomBytes(2).toString("hex")}-`;
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), "ehsim-"));
    this.topology = T.simTopology(opts.layout ?? T.DEFAULT_LAYOUT);
    this.fleet = simFleet(this.topology);
    this.mirrorModel = checkoutMirrorModel(this.topology);
    this.opts = {
      iptables: opts.iptables ?? (which("iptables-legacy") ? "iptables-legacy" : "iptables"),
      rpcapdBin: opts.rpcapdBin ?? SHARED_STANDIN,
      syncInterval: opts.syncInterval ?? 2,
    };
    this.tap = new MirrorTap(path.join(this.workDir, "mirror"), (key) => this.ns(`n${key}`));
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

  /** A node pod of this cluster's topology. */
  pod(key: string): T.PodSpec & { node: T.NodeSpec } {
    return T.podIn(this.topology, key);
  }

  /** A node of this cluster's topology. */
  node(key: string): T.NodeSpec {
    return T.nodeIn(this.topology, key);
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
    const t = this.topology;
    const keys = [
      "vpc",
      "inet",
      "inet2",
      "vpchost",
      "dns",
      "sensor",
      "api",
      ...t.nodes.map((n) => `n${n.key}`),
      ...T.podsOf(t).map((p) => `p${p.key}`),
      ...t.fargatePods.map((f) => `f${f.key}`),
    ];
    return keys.map((k) => this.ns(k));
  }

  private buildNetwork(): void {
    const t = this.topology;
    for (const ns of this.namespaces()) {
      execFileSync("ip", ["netns", "add", ns]);
      sh(ns, "ip link set lo up; sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
    }
    const vpc = this.ns("vpc");
    // The VPC router owns every subnet gateway: the primary CIDR's, the pod subnet's, the Fargate subnet's.
    const gateways = [T.VPC_ROUTER, "100.64.0.1", "10.77.64.1"];
    sh(
      vpc,
      `${gateways.map((g) => `ip addr add ${g}/32 dev lo`).join("\n")}\nsysctl -qw net.ipv4.ip_forward=1`,
    );
    const fabricLink = (link: string, peerNs: string, peerDev: string): void => {
      sh(
        vpc,
        `ip link add ${link} type veth peer name ${peerDev} netns ${peerNs}
         sysctl -qw net.ipv4.conf.${link}.proxy_arp=1 net.ipv4.neigh.${link}.proxy_delay=0
         ip link set ${link} up`,
      );
    };
    const hosts: [string, string][] = [
      ["vpchost", T.VPC_HOST_IP],
      ["dns", T.AMAZON_DNS_IP],
      ["sensor", T.SENSOR_IP],
      ["api", T.API_IP],
    ];
    for (const [key, ip] of hosts) {
      const v = `v${key}`.slice(0, 15);
      fabricLink(v, this.ns(key), "eth0");
      sh(vpc, `ip route add ${ip}/32 dev ${v}`);
      sh(
        this.ns(key),
        `ip addr add ${ip}/16 dev eth0\nip link set eth0 up\nip route add default via ${T.VPC_ROUTER}`,
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
    sh(
      vpc,
      `ip link add vinet2 type veth peer name eth0 netns ${this.ns("inet2")}
       ip addr add ${T.INET2_ROUTER_IP}/24 dev vinet2
       ip link set vinet2 up`,
    );
    sh(
      this.ns("inet2"),
      `ip addr add ${T.INET_NODEPORT_SNAT_IP}/24 dev eth0; ip link set eth0 up; ip route add default via ${T.INET2_ROUTER_IP}`,
    );
    // Fargate pods: their own ENI in the Fargate subnet, straight on the fabric.
    for (const f of t.fargatePods) {
      const link = `vf${f.key}`;
      fabricLink(link, this.ns(`f${f.key}`), "eth0");
      sh(vpc, `ip route add ${f.ip}/32 dev ${link}`);
      sh(
        this.ns(`f${f.key}`),
        `ip addr add ${f.ip}/20 dev eth0\nip link set eth0 up\nip route add default via 10.77.64.1`,
      );
    }
    for (const n of t.nodes) {
      const nodeNs = this.ns(`n${n.key}`);
      for (const e of n.enis) {
        const link = fabricEniLink(n, e.dev);
        fabricLink(link, nodeNs, e.dev);
        sh(vpc, `ip route add ${e.ip}/32 dev ${link}`);
        // Secondary ENIs: no subnet route in the main table (the VPC CNI removes it), their own table instead.
        const prefix = e.deviceIndex === 0 ? "" : " noprefixroute";
        sh(nodeNs, `ip addr add ${e.ip}/16 dev ${e.dev}${prefix}\nip link set ${e.dev} up`);
      }
      sh(nodeNs, `ip route add default via ${T.VPC_ROUTER} dev eth0`);
      sh(nodeNs, nodeRoutingScript(t, n));
      for (const p of n.pods) {
        this.wirePod(n, p);
      }
      this.installKubeProxy(n);
    }
  }

  /** Wires a pod the way the VPC CNI does (the pod's namespace must exist). */
  private wirePod(n: T.NodeSpec, p: T.PodSpec): void {
    const t = this.topology;
    const nodeNs = this.ns(`n${n.key}`);
    const podNs = this.ns(`p${p.key}`);
    const veth = podHostVeth(t, p);
    sh(nodeNs, `ip link add ${veth} type veth peer name eth0 netns ${podNs}`);
    const vethMac = sh(nodeNs, `cat /sys/class/net/${veth}/address`).trim();
    const podMac = sh(podNs, "cat /sys/class/net/eth0/address").trim();
    sh(podNs, podSideScript(p, vethMac));
    const vpc = this.ns("vpc");
    if (p.vlanId !== undefined) {
      const link = fabricVlanLink(n, p.vlanId);
      sh(
        vpc,
        `ip link add ${link} type veth peer name ${T.vlanLinkName(p.vlanId)} netns ${nodeNs}
         sysctl -qw net.ipv4.conf.${link}.proxy_arp=1 net.ipv4.neigh.${link}.proxy_delay=0
         ip link set ${link} up
         ip route add ${p.ip}/32 dev ${link}`,
      );
      // The VPC delivers to the branch ENI by its MAC (the VLAN sub-interface's), it does not ARP for the pod.
      const vlanMac = sh(nodeNs, `cat /sys/class/net/${T.vlanLinkName(p.vlanId)}/address`).trim();
      sh(vpc, `ip neigh add ${p.ip} lladdr ${vlanMac} dev ${link} nud permanent`);
      const gateway = p.ip.startsWith("100.64.") ? "100.64.0.1" : T.VPC_ROUTER;
      sh(nodeNs, branchPodNodeScript(t, p, veth, podMac, gateway));
    } else {
      sh(nodeNs, regularPodNodeScript(n, p, veth, podMac));
      const eni = n.enis.find((e) => e.dev === (p.eni ?? "eth0"))!;
      sh(vpc, `ip route add ${p.ip}/32 via ${eni.ip} dev ${fabricEniLink(n, eni.dev)}`);
    }
  }

  /**
   * Starts a new pod on a node at run time (pod churn), with its own worker. It is not in the fake API until the
   * caller says so (`listInApi`).
   */
  async addPod(nodeKey: string, p: T.PodSpec): Promise<void> {
    const ns = this.ns(`p${p.key}`);
    execFileSync("ip", ["netns", "add", ns]);
    sh(ns, "ip link set lo up; sysctl -qw net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0");
    this.wirePod(this.node(nodeKey), p);
    const w = new Worker(ns, this.spawnIn(`p${p.key}`, ["worker", String(T.POD_TCP), String(T.POD_UDP)]));
    this.workers.set(`p${p.key}`, w);
    await withTimeout(w.ready, 20_000, `starting the worker of pod ${p.key}`);
  }

  /** Deletes a pod the way kubelet and the CNI do: its namespace, veth, routes and rules go. */
  removePod(nodeKey: string, p: T.PodSpec): void {
    const n = this.node(nodeKey);
    const w = this.workers.get(`p${p.key}`);
    w?.proc.kill("SIGKILL");
    this.workers.delete(`p${p.key}`);
    deleteNamespaces([this.ns(`p${p.key}`)]);
    const eni = n.enis.find((e) => e.dev === (p.eni ?? "eth0"))!;
    sh(
      this.ns(`n${n.key}`),
      `ip rule del pref 512 to ${p.ip} lookup main 2>/dev/null || true
       ip rule del pref 1536 from ${p.ip} 2>/dev/null || true
       ip route del ${p.ip}/32 2>/dev/null || true`,
    );
    sh(this.ns("vpc"), `ip route del ${p.ip}/32 via ${eni.ip} 2>/dev/null || true`);
  }

  /** kube-proxy (iptables mode) and the VPC CNI's nat/mangle rules. */
  private installKubeProxy(n: T.NodeSpec): void {
    const t = this.topology;
    const ip = (key: string) => this.pod(key).ip;
    const rules = nodeIptablesRules(
      t,
      n,
      {
        clusterIps: Object.values(t.services).map((s) => ({
          ip: s.ip,
          port: s.port,
          backend: ip(s.backend),
        })),
        nodePorts: [
          { port: T.NODEPORT_TCP, proto: "tcp", backend: ip(t.nodePortBackend), backendPort: T.POD_TCP },
          { port: T.NODEPORT_UDP, proto: "udp", backend: ip(t.nodePortBackend), backendPort: T.POD_UDP },
          {
            port: T.NODEPORT_FAR_TCP,
            proto: "tcp",
            backend: ip(t.farNodePortBackend),
            backendPort: T.POD_TCP,
          },
        ],
      },
      { tcp: T.POD_TCP, udp: T.POD_UDP },
      // A SNAT source port that happens to fall in the NodePort range (--random-fully picks from 1024-65535),
      // made deterministic towards one internet address.
      ["tcp", "udp"].map(
        (proto) =>
          `-A AWS-SNAT-CHAIN-0 -d ${T.INET_NODEPORT_SNAT_IP}/32 -p ${proto} ! -o vlan+ -m comment --comment "sim: SNAT port in the NodePort range" -j SNAT --to-source ${n.ip}:${T.NODEPORT_SNAT_PORTS} --random-fully`,
      ),
    );
    const file = path.join(this.workDir, `nat-${n.key}.rules`);
    fs.writeFileSync(file, rules);
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
    const t = this.topology;
    this.sensorDir = path.join(this.workDir, "sensor");
    fs.mkdirSync(this.sensorDir);
    fs.mkdirSync(path.join(this.workDir, "api"));
    this.writeApi();
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
      lineReady(
        this.spawnIn("api", ["api", String(T.API_PORT), path.join(this.workDir, "api"), T.API_TOKEN]),
        "fake API",
      ),
    ];
    const ports = (key: string): [number, number] =>
      key === "dns"
        ? [T.DNS_PORT, T.DNS_PORT]
        : key.startsWith("n")
          ? [T.HOST_TCP, T.HOST_UDP]
          : [T.POD_TCP, T.POD_UDP];
    const workerKeys = [
      "inet",
      "inet2",
      "vpchost",
      "dns",
      ...t.nodes.map((n) => `n${n.key}`),
      ...T.podsOf(t).map((p) => `p${p.key}`),
      ...t.fargatePods.map((f) => `f${f.key}`),
    ];
    for (const key of workerKeys) {
      const [tcp, udp] = ports(key);
      const w = new Worker(this.ns(key), this.spawnIn(key, ["worker", String(tcp), String(udp)]));
      this.workers.set(key, w);
      waits.push(w.ready);
    }
    await withTimeout(Promise.all(waits), 60_000, "starting sensor, API and workers");
  }

  /**
   * Replaces what the fake API answers (membership changes). Without arguments: the topology as it is, with the
   * churn and Fargate state set so far.
   */
  writeApi(nodes?: object, pods?: object): void {
    const dir = path.join(this.workDir, "api");
    const write = (name: string, body: object): void => {
      fs.writeFileSync(path.join(dir, `${name}.json.tmp`), JSON.stringify(body));
      fs.renameSync(path.join(dir, `${name}.json.tmp`), path.join(dir, `${name}.json`));
    };
    write("nodes", nodes ?? nodesJson(this.topology));
    write("pods", pods ?? this.podsInApi());
  }

  /** The pods the API lists now (topology, churn, Fargate sidecar state), optionally changed by the caller. */
  podsInApi(): object {
    return podsJson(this.topology, {
      extra: this.apiExtra,
      without: this.apiWithout,
      fargate: this.fargateApi,
    });
  }

  /** Lists a new pod in the API (it becomes a member for every agent). */
  listInApi(nodeKey: string, p: T.PodSpec): void {
    this.apiExtra.push({ node: nodeKey, pod: p });
    this.writeApi();
  }

  /** Removes a pod from the API (as when it is deleted). */
  unlistFromApi(podKey: string): void {
    this.apiExtra = this.apiExtra.filter((x) => x.pod.key !== podKey);
    this.apiWithout.push(podKey);
    this.writeApi();
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
    const t = this.topology;
    return {
      EXTRAHOP_SENSOR_IP: T.SENSOR_IP,
      RPCAPD_TARGET_PORT: String(T.SENSOR_PORT),
      PODNET: t.podCidrs.join(","),
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
      // What the filter leaves to the agent (the component renders these from the same plan).
      NODEPORT_RANGE: `${DEFAULT_NODEPORT_RANGE.min}-${DEFAULT_NODEPORT_RANGE.max}`,
      MIRROR_EXCLUDED_CIDRS: t.fargateCidrs.join(","),
      AMAZON_DNS_IPS: `${T.AMAZON_DNS_IP},169.254.169.253`,
      MIRROR_AMAZON_DNS: "true",
      // The simulated nodes are days old; a secondary ENI device counts as mirrored a second after it is seen.
      MIRROR_SETTLE: "1",
      DATAPATH: "vpc-cni",
    };
  }

  /** The environment of a Fargate pod's capture sidecar. */
  sidecarEnv(f: T.FargatePodSpec): Record<string, string> {
    return {
      AGENT_ROLE: "sidecar",
      EXTRAHOP_SENSOR_IP: T.SENSOR_IP,
      RPCAPD_TARGET_PORT: String(T.SENSOR_PORT),
      RPCAPD_BIN: this.opts.rpcapdBin,
      RPCAPD_STANDIN_RETRY: "1",
      POD_IP: f.ip,
      POD_INTERFACE: "eth0",
      FARGATE_CIDRS: this.topology.fargateCidrs.join(","),
      SHUTDOWN_DELAY: "0",
      METRICS_PORT: "0",
    };
  }

  /**
   * Starts the agent on every node that runs one (and the Fargate sidecars when asked), waits until each is ready
   * and its capture stream reached the sensor; with mirroring, starts AWS's copies on the mirrored ENIs first.
   * `runners` picks a runner per node key (default: the script).
   */
  async startAgents(
    vpcMirroring: boolean,
    runners: Record<string, AgentRunner> = {},
    envOverride: Record<string, string> = {},
    options: StartOptions = {},
  ): Promise<void> {
    await this.stopAgents();
    for (const f of fs.readdirSync(this.sensorDir)) {
      fs.rmSync(path.join(this.sensorDir, f));
    }
    this.fargateApi = { sidecar: options.sidecar !== undefined, sidecarReady: false };
    this.writeApi();
    this.mirroring = vpcMirroring;
    if (vpcMirroring) {
      await this.tap.start(this.fleet.mirrored);
    }
    const nodeStarts = this.topology.nodes
      .filter((n) => n.agent)
      .map(async (n) => {
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
        await this.waitReady(n.key, n.ip, h, 60_000);
      });
    const sidecar = options.sidecar;
    const sidecarStarts = sidecar
      ? this.topology.fargatePods.map(async (f) => {
          const stateDir = path.join(this.workDir, `sidecar-${f.key}`);
          fs.rmSync(stateDir, { recursive: true, force: true });
          fs.mkdirSync(stateDir, { recursive: true });
          const h = await sidecar.start({
            netns: this.ns(`f${f.key}`),
            env: { ...this.sidecarEnv(f), ...(options.sidecarEnv ?? {}) },
            stateDir,
            logFile: this.agentLog(f.key),
          });
          this.sidecars.set(f.key, h);
          await this.waitReady(f.key, f.ip, h, 60_000);
        })
      : [];
    await Promise.all([...nodeStarts, ...sidecarStarts]);
    if (sidecar) {
      // Kubernetes marks the sidecar containers ready: the node agents now count the Fargate pods as covered.
      this.fargateApi = { sidecar: true, sidecarReady: true };
      this.writeApi();
      await this.waitAgentSets(
        "sidecar4",
        this.topology.fargatePods.map((f) => f.ip),
        15_000,
      );
    }
    if (vpcMirroring) {
      await this.waitMirroredUplinks(10_000);
    }
  }

  /**
   * Waits until every agent's set `set` holds `ips` (the agents applied an API change). Agents without that set (an
   * agent of another design) are not waited for.
   */
  async waitAgentSets(set: string, ips: string[], timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    for (const n of this.topology.nodes.filter((x) => x.agent && this.agents.has(x.key))) {
      for (;;) {
        const has = (ip: string): string =>
          this.exec(
            `n${n.key}`,
            `nft list set ip extrahop_rpcapd ${set} >/dev/null 2>&1 || { echo absent; exit 0; }
             nft get element ip extrahop_rpcapd ${set} '{ ${ip} }' >/dev/null 2>&1 && echo yes || echo no`,
          ).trim();
        const states = ips.map(has);
        if (states.every((x) => x !== "no")) {
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`node ${n.key}: ${set} lacks one of ${ips.join(", ")} after ${timeoutMs} ms`);
        }
        await sleep(100);
      }
    }
  }

  /**
   * Where the agent keeps the set of its node's mirrored ENI devices (`mirrored_uplinks`), waits until it holds
   * every device of that node the reconciler gave a session: the agent then leaves them to AWS. Agents without
   * such a set are not waited for.
   */
  private async waitMirroredUplinks(timeoutMs: number): Promise<void> {
    const want = new Map<string, string[]>();
    for (const d of this.fleet.mirrored) {
      if (this.node(d.node).agent) {
        want.set(d.node, [...(want.get(d.node) ?? []), d.dev]);
      }
    }
    const deadline = Date.now() + timeoutMs;
    for (const [key, devs] of want) {
      for (;;) {
        let set: string;
        try {
          set = this.exec(
            `n${key}`,
            "nft -j list set ip extrahop_rpcapd mirrored_uplinks 2>/dev/null || true",
          );
        } catch {
          set = "";
        }
        if (set.trim() === "" || devs.every((d) => set.includes(`"${d}"`))) {
          break;
        }
        if (Date.now() > deadline) {
          throw new Error(`node ${key}: mirrored_uplinks still lacks one of ${devs.join(", ")}: ${set}`);
        }
        await sleep(100);
      }
    }
  }

  agentLog(key: string): string {
    return path.join(this.workDir, `agent-${key}.log`);
  }

  private async waitReady(key: string, ip: string, h: AgentHandle, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let exited: { code: number | null } | undefined;
    void h.exited.then((r) => (exited = r));
    while (Date.now() < deadline) {
      if (exited) {
        throw new Error(`agent ${key} exited (${exited.code}) before ready:\n${this.readLog(key)}`);
      }
      const ready = fs.existsSync(path.join(h.hostStateDir, "ready"));
      const streamed = fs
        .readdirSync(this.sensorDir)
        .some((f) => f.startsWith(`${ip}-`) && fs.statSync(path.join(this.sensorDir, f)).size >= 24);
      if (ready && streamed) {
        return;
      }
      await sleep(100);
    }
    throw new Error(`agent ${key} not ready within ${timeoutMs} ms:\n${this.readLog(key)}`);
  }

  readLog(key: string): string {
    try {
      return fs.readFileSync(this.agentLog(key), "utf8");
    } catch {
      return "(no log)";
    }
  }

  /** Stops every agent and sidecar with SIGTERM, and AWS's copies; returns the exit statuses by key. */
  async stopAgents(): Promise<Record<string, { code: number | null; signal: string | null }>> {
    const out: Record<string, { code: number | null; signal: string | null }> = {};
    const all = [...this.agents.entries(), ...this.sidecars.entries()];
    await Promise.all(all.map(async ([k, h]) => (out[k] = await h.stop())));
    this.agents.clear();
    this.sidecars.clear();
    await this.tap.stop();
    return out;
  }

  agent(key: string): AgentHandle | undefined {
    return this.agents.get(key) ?? this.sidecars.get(key);
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
   * Everything the sensor received so far, plus, with mirroring, the copies AWS made of what left (or entered)
   * mirrored ENIs under the mirror model's filter. IPv4 is decoded from Ethernet and from Linux cooked capture (v1
   * and v2) frames alike, so a capture on `any` is counted by the same rules; `nonEthernet` and `linkTypes` say
   * what arrived from the agents.
   */
  collect(): Capture {
    const sources: { from: string; frames: Frame[] }[] = fs
      .readdirSync(this.sensorDir)
      .map((f) => ({ from: f, frames: readPcapStreams(fs.readFileSync(path.join(this.sensorDir, f))) }));
    if (this.mirroring) {
      const bySource = new Map<string, Frame[]>();
      for (const c of this.tap.copies(this.mirrorModel.filter, this.mirrorModel.amazonDnsIps)) {
        bySource.set(c.source, [...(bySource.get(c.source) ?? []), c.frame]);
      }
      for (const [from, frames] of bySource) {
        sources.push({ from, frames });
      }
    }
    return decodeCapture(sources);
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
    for (const w of this.workers.values()) {
      w.proc.kill("SIGKILL");
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
