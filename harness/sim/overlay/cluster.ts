// A self-managed cluster on one overlay datapath, in network namespaces on the test machine's kernel:
//
//   inet ── lan (bridge + router) ── eth0 of nodes A, B, C (C: no agent), outside host, sensor, fake API
//   node netns: eth0 192.168.56.x/24, the CNI's devices (cali* veths, tunl0, vxlan.calico, flannel.1, cni0 + veth*),
//               kube-proxy's and the CNI's iptables rules (iptables-nft, as on current distributions)
//   pod netns:  eth0 as the CNI configures it
//
// The agent under test runs in each agent node's namespace like the DaemonSet pod (hostNetwork), with the rpcapd
// stand-in; the sensor saves each rpcapd stream; the fake API serves Nodes with the CNI's annotations and Pods.
// Namespaces are named like the VPC simulation's (<ehsim><pid>x<rand>-<key>) so its stale clean-up covers them.
import { ChildProcess } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import {
  AgentHandle,
  AgentRunner,
  Capture,
  checkPrerequisites,
  cleanupStale,
  deleteNamespaces,
  listNetns,
  NS_PREFIX_ROOT,
  SHARED_STANDIN,
  sleep,
  which,
  withTimeout,
} from "../cluster";
import { overlayNodesJson, overlayPodsJson } from "./apiObjects";
import { ipipRelayPeers, routeIpipBlocks, wireCalicoNode, wireCalicoPod } from "./calico";
import { collectCapture } from "./capture";
import { bundleProcesses, firstLine, spawnInNamespace, Worker } from "./daemons";
import { wireFlannelNode, wireFlannelPod } from "./flannel";
import { nodeIptablesRules } from "./natRules";
import { addNamespace, nsSh } from "./netns";
import * as O from "./topology";
import { buildUnderlay, UNDERLAY_KEYS } from "./underlay";

/** The IP-in-IP emulation (see the file's docstring). */
export const TUNL0_RELAY = path.join(__dirname, "tunl0-relay.py");

/** How the overlay cluster is built and how its agents are configured. */
export interface OverlayClusterOptions {
  /** iptables binary for kube-proxy's and the CNI's rules; default iptables-nft (then iptables). */
  iptables?: string;
  /** rpcapd stand-in; default harness/sim/rpcapd-standin.sh. */
  rpcapdBin?: string;
  /** MEMBER_SYNC_INTERVAL given to the agents (seconds); default 2. */
  syncInterval?: number;
}

/** One overlay datapath's cluster. */
export class OverlayCluster {
  /** Namespace name prefix of this cluster. */
  readonly prefix: string;
  /** Scratch directory: bundle, API files, sensor pcaps, agent logs and state. */
  readonly workDir: string;
  private readonly workers = new Map<string, Worker>();
  private readonly daemons: ChildProcess[] = [];
  private readonly agents = new Map<string, AgentHandle>();
  private readonly sensorDir: string;
  private readonly opts: Required<OverlayClusterOptions>;
  private bundle = "";
  private destroyed = false;

  private constructor(
    readonly topology: O.OverlayTopology,
    opts: OverlayClusterOptions,
  ) {
    this.prefix = `${NS_PREFIX_ROOT}${process.pid}x${crypto.randomBytes(2).toString("hex")}-`;
    this.workDir = fs.mkdtempSync(path.join(os.tmpdir(), `ehsim-${topology.datapath}-`));
    this.sensorDir = path.join(this.workDir, "sensor");
    this.opts = {
      iptables: opts.iptables ?? (which("iptables-nft") ? "iptables-nft" : "iptables"),
      rpcapdBin: opts.rpcapdBin ?? SHARED_STANDIN,
      syncInterval: opts.syncInterval ?? 2,
    };
  }

  /** Builds the whole cluster for a datapath; on failure everything created so far is removed. */
  static async create(datapath: O.DatapathName, opts: OverlayClusterOptions = {}): Promise<OverlayCluster> {
    checkPrerequisites();
    if (!which("bridge")) {
      throw new Error("the overlay simulation needs the `bridge` tool (Debian: iproute2)");
    }
    if (datapath === "calico-ipip" && !which("python3")) {
      throw new Error("the IP-in-IP emulation needs python3 (Debian: python3)");
    }
    cleanupStale();
    const c = new OverlayCluster(O.overlayTopology(datapath), opts);
    try {
      c.bundle = bundleProcesses(c.workDir);
      await c.buildNetwork();
      await c.startDaemons();
    } catch (e) {
      await c.destroy();
      throw e;
    }
    return c;
  }

  /** The namespace name of a key (lan, inet, outside, sensor, api, nA, pA1, ...). */
  ns(key: string): string {
    return this.prefix + key;
  }

  private namespaceKeys(): string[] {
    return [
      ...UNDERLAY_KEYS,
      "outside",
      "sensor",
      "api",
      ...this.topology.nodes.map((n) => `n${n.key}`),
      ...O.podsOf(this.topology).map((p) => `p${p.key}`),
    ];
  }

  private async buildNetwork(): Promise<void> {
    const t = this.topology;
    for (const key of this.namespaceKeys()) {
      addNamespace(this.ns(key));
    }
    buildUnderlay(
      (k) => this.ns(k),
      [
        ...t.nodes.map((n) => ({ key: `n${n.key}`, ip: n.ip })),
        { key: "outside", ip: O.OUTSIDE_HOST_IP },
        { key: "sensor", ip: O.SENSOR_IP },
        { key: "api", ip: O.API_IP },
      ],
      t,
    );
    for (const n of t.nodes) {
      const nodeNs = this.ns(`n${n.key}`);
      if (t.cni === "calico") {
        wireCalicoNode(nodeNs, t, n);
        for (const p of n.pods) {
          wireCalicoPod(nodeNs, this.ns(`p${p.key}`), t, p);
        }
      } else {
        wireFlannelNode(nodeNs, t, n);
        for (const p of n.pods) {
          wireFlannelPod(nodeNs, this.ns(`p${p.key}`), t, n, p);
        }
      }
      const rules = path.join(this.workDir, `iptables-${n.key}.rules`);
      fs.writeFileSync(rules, nodeIptablesRules(t, n));
      nsSh(nodeNs, `${this.opts.iptables}-restore < ${rules}`);
    }
    if (t.datapath === "calico-ipip") {
      await this.startIpipRelays();
    }
  }

  /** Attaches the IP-in-IP relay to every node's tunl0, then adds the routes through it. */
  private async startIpipRelays(): Promise<void> {
    const t = this.topology;
    const python = fs.existsSync("/usr/bin/python3") ? "/usr/bin/python3" : "python3";
    await withTimeout(
      Promise.all(
        t.nodes.map((n) => {
          const p = spawnInNamespace(this.ns(`n${n.key}`), [python, TUNL0_RELAY, ...ipipRelayPeers(t, n)]);
          this.daemons.push(p);
          return firstLine(p, `tunl0 relay on node ${n.key}`);
        }),
      ),
      20_000,
      "attaching the tunl0 relays",
    );
    for (const n of t.nodes) {
      routeIpipBlocks(this.ns(`n${n.key}`), t, n);
    }
  }

  private spawnRole(key: string, args: string[]): ChildProcess {
    const p = spawnInNamespace(this.ns(key), [process.execPath, this.bundle, ...args]);
    this.daemons.push(p);
    return p;
  }

  private async startDaemons(): Promise<void> {
    fs.mkdirSync(this.sensorDir);
    fs.mkdirSync(path.join(this.workDir, "api"));
    this.writeApi(overlayNodesJson(this.topology), overlayPodsJson(this.topology));
    fs.writeFileSync(path.join(this.workDir, "token"), O.API_TOKEN);
    const waits: Promise<void>[] = [
      firstLine(this.spawnRole("sensor", ["sensor", String(O.SENSOR_PORT), this.sensorDir]), "sensor"),
      firstLine(
        this.spawnRole("api", ["api", String(O.API_PORT), path.join(this.workDir, "api"), O.API_TOKEN]),
        "fake API",
      ),
    ];
    const keys = [
      "inet",
      "outside",
      ...this.topology.nodes.map((n) => `n${n.key}`),
      ...O.podsOf(this.topology).map((p) => `p${p.key}`),
    ];
    for (const key of keys) {
      const isNode = key.startsWith("n");
      const w = new Worker(
        this.ns(key),
        this.spawnRole(key, [
          "worker",
          String(isNode ? O.HOST_TCP : O.POD_TCP),
          String(isNode ? O.HOST_UDP : O.POD_UDP),
        ]),
      );
      this.workers.set(key, w);
      waits.push(w.ready);
    }
    await withTimeout(Promise.all(waits), 30_000, "starting sensor, API and workers");
  }

  /** Replaces what the fake API answers. */
  writeApi(nodes: object, pods: object): void {
    const dir = path.join(this.workDir, "api");
    for (const [name, body] of [
      ["nodes", nodes],
      ["pods", pods],
    ] as const) {
      fs.writeFileSync(path.join(dir, `${name}.json.tmp`), JSON.stringify(body));
      fs.renameSync(path.join(dir, `${name}.json.tmp`), path.join(dir, `${name}.json`));
    }
  }

  /** The worker of a namespace key (inet, outside, nA, pA1, ...). */
  worker(key: string): Worker {
    const w = this.workers.get(key);
    if (!w) {
      throw new Error(`no worker ${key}`);
    }
    return w;
  }

  /**
   * The environment a DaemonSet for this cluster gives the agent on one node (VPC_MIRRORING=false: mirroring is
   * AWS-only). PODNET is the cluster CIDR, as a user of the manual procedure or our discovery would give it.
   */
  agentEnv(n: O.OverlayNode): Record<string, string> {
    return {
      EXTRAHOP_SENSOR_IP: O.SENSOR_IP,
      RPCAPD_TARGET_PORT: String(O.SENSOR_PORT),
      PODNET: O.CLUSTER_CIDR,
      SVCNET: O.SERVICE_CIDR,
      VPC_MIRRORING: "false",
      NODE_NAME: n.name,
      RPCAPD_BIN: this.opts.rpcapdBin,
      RPCAPD_STANDIN_RETRY: "1",
      KUBE_API_URL: `http://${O.API_IP}:${O.API_PORT}`,
      KUBE_TOKEN_FILE: path.join(this.workDir, "token"),
      KUBE_CA_FILE: "/nonexistent/ca.crt",
      MEMBER_SYNC_INTERVAL: String(this.opts.syncInterval),
      SHUTDOWN_DELAY: "0",
    };
  }

  /**
   * Starts `runner` on every agent node (stopping the previous agents, emptying the sensor's captures and the agent
   * logs) and waits until each is ready and streaming to the sensor.
   */
  async startAgents(runner: AgentRunner, envOverride: Record<string, string> = {}): Promise<void> {
    await this.stopAgents();
    for (const f of fs.readdirSync(this.sensorDir)) {
      fs.rmSync(path.join(this.sensorDir, f));
    }
    await Promise.all(
      this.topology.nodes
        .filter((n) => n.agent)
        .map(async (n) => {
          const stateDir = path.join(this.workDir, `agent-${n.key}`);
          fs.rmSync(stateDir, { recursive: true, force: true });
          fs.mkdirSync(stateDir, { recursive: true });
          fs.rmSync(this.agentLog(n.key), { force: true }); // one log per start: what it says is this run's
          const h = await runner.start({
            netns: this.ns(`n${n.key}`),
            env: { ...this.agentEnv(n), ...envOverride },
            stateDir,
            logFile: this.agentLog(n.key),
          });
          this.agents.set(n.key, h);
          await this.waitAgentReady(n, h, 60_000);
        }),
    );
  }

  /** The log file of the agent on a node. */
  agentLog(key: string): string {
    return path.join(this.workDir, `agent-${key}.log`);
  }

  /** The agent log of a node, or "(no log)". */
  readLog(key: string): string {
    try {
      return fs.readFileSync(this.agentLog(key), "utf8");
    } catch {
      return "(no log)";
    }
  }

  private async waitAgentReady(n: O.OverlayNode, h: AgentHandle, timeoutMs: number): Promise<void> {
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

  /** Stops every agent (SIGTERM); returns their exit statuses by node key. */
  async stopAgents(): Promise<Record<string, { code: number | null; signal: string | null }>> {
    const out: Record<string, { code: number | null; signal: string | null }> = {};
    await Promise.all([...this.agents.entries()].map(async ([k, h]) => (out[k] = await h.stop())));
    this.agents.clear();
    return out;
  }

  /** Runs a shell script in one of the cluster's namespaces. */
  exec(key: string, script: string): string {
    return nsSh(this.ns(key), script);
  }

  /** Everything the sensor received so far. */
  collect(): Capture {
    return collectCapture(this.sensorDir, O.SENSOR_IP);
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
