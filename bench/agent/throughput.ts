// What cloning the selected packets costs the node: a bounded UDP flood from a "node" namespace to a sink, with
// nothing capturing, with a plain packet tap (tcpdump on the sending veth), with the whole agent (v1's shell agent
// of git 9891d36, and this checkout's program) and with each clone mechanism on its own (nft `dup` onto a veth or
// an ifb device, nft netdev egress `dup` keyed on a mark, tc `mirred`, NFLOG). Measured on the sender: packets per
// second and the sending process's CPU time per packet (getrusage: the IP output path, the netfilter hooks, the
// clone and the packet taps all run in the sender's system call or in softirq work charged to it). Every capture
// gets a ring large enough that it drops nothing, so each configuration copies every packet into its capture.
// Everything lives in namespaces of its own (ehbench<pid>x*), removed on success, failure and at the next start.
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as readline from "readline";
import { bundleAgentProgram } from "../../agent/build";
import { deleteNamespaces, listNetns, REPO_ROOT } from "../../harness/sim/cluster";
import { makeAgentPod, makeNode } from "../../harness/kube/clusterObjects";

export const BENCH_NS_ROOT = "ehbench";
export const GEN_IP = "10.99.0.20"; // above SINK_IP: the vendor filter's address order forwards it outbound
export const SINK_IP = "10.99.0.10";
export const BENCH_PODNET = "10.99.0.0/16";
export const BENCH_SVCNET = "10.100.0.0/16";
/** A local address of the generator's namespace where a listener plays the sensor (no data flows to it). */
export const BENCH_SENSOR = "10.99.9.9";
const SINK_PORT = 9;
const API_PORT = 6443;
const API_TOKEN = "bench-token";
const NODE_NAME = "bench-node";
/** The commit whose shell agent is "old" (the first release's agent). */
export const V1_COMMIT = "9891d36";
/** Capture ring of every tcpdump here, KiB: holds a whole run, so no configuration drops (and skips copies). */
const RING_KIB = 262_144;
const MARK = "0x00001000";

/** One configuration measured. */
export interface CloneConfig {
  /** Row title. */
  name: string;
  /** How the packets get to a capture. */
  kind: "none" | "tap" | "mechanism" | "agent";
  /** Capture device (tap, mechanism). */
  device?: string;
  /** Shell run in the generator's namespace before the capture starts (mechanism). */
  setup?: string;
  /** Which agent (agent). */
  agent?: "v1" | "v2";
  /** Extra env of the agent. */
  env?: Record<string, string>;
  /** A remark for the table. */
  note?: string;
}

/** One measurement. */
export interface ThroughputResult {
  name: string;
  sent: number;
  seconds: number;
  cpuSeconds: number;
  sentPps: number;
  cpuUsPerPacket: number;
  captured?: number;
  droppedByKernel?: number;
}

const GEN_C = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
static double cpu(void) { struct rusage r; getrusage(RUSAGE_SELF, &r);
  return r.ru_utime.tv_sec + r.ru_utime.tv_usec / 1e6 + r.ru_stime.tv_sec + r.ru_stime.tv_usec / 1e6; }
int main(int argc, char **argv) {
  if (argc < 6) { fprintf(stderr, "usage: dst port count size maxseconds\n"); return 2; }
  struct sockaddr_in a; memset(&a, 0, sizeof a);
  a.sin_family = AF_INET; a.sin_port = htons(atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &a.sin_addr) != 1) { fprintf(stderr, "bad address\n"); return 2; }
  long count = atol(argv[3]); int size = atoi(argv[4]); double maxs = atof(argv[5]);
  if (size < 1 || size > 1400) { fprintf(stderr, "bad size\n"); return 2; }
  int s = socket(AF_INET, SOCK_DGRAM, 0);
  if (s < 0 || connect(s, (struct sockaddr *)&a, sizeof a) < 0) { perror("socket/connect"); return 1; }
  static char buf[1400]; memset(buf, 'x', sizeof buf);
  enum { B = 64 }; struct mmsghdr m[B]; struct iovec v[B];
  for (int i = 0; i < B; i++) { v[i].iov_base = buf; v[i].iov_len = size; memset(&m[i], 0, sizeof m[i]); m[i].msg_hdr.msg_iov = &v[i]; m[i].msg_hdr.msg_iovlen = 1; }
  double c0 = cpu(), t0 = now(), t1 = t0; long sent = 0, errors = 0;
  while (sent < count) {
    int n = count - sent < B ? (int)(count - sent) : B;
    int r = sendmmsg(s, m, n, 0);
    if (r < 0) { errors++; } else { sent += r; }
    t1 = now();
    if (t1 - t0 > maxs || errors > 100000) break;
  }
  printf("{\"sent\":%ld,\"seconds\":%.6f,\"errors\":%ld,\"cpuSeconds\":%.6f}\n", sent, t1 - t0, errors, cpu() - c0);
  return 0;
}
`;

/** With two CPUs or more, the generator runs on CPU 0 and the capture on CPU 1 (less run-to-run noise). */
function pin(cpu: number): string[] {
  return os.cpus().length >= 2 && fs.existsSync("/usr/bin/taskset") ? ["taskset", "-c", String(cpu)] : [];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Deletes bench namespaces left by runs whose process is gone. */
export function cleanupStaleBench(): void {
  for (const ns of listNetns()) {
    const m = new RegExp(`^${BENCH_NS_ROOT}(\\d+)x`).exec(ns);
    if (!m) {
      continue;
    }
    try {
      process.kill(Number(m[1]), 0);
    } catch {
      deleteNamespaces([ns]);
    }
  }
}

/** The clone mechanisms on their own, each with the capture device a tcpdump reads. */
export function mechanismConfigs(): CloneConfig[] {
  const ifb = `ip link add ehcap0 type ifb; ip link set ehcap0 addrgenmode none; ip link set ehcap0 mtu 65535
    ip addr add 169.254.255.1/30 dev ehcap0 scope link; ethtool -K ehcap0 gso off tso off gro off
    tc qdisc replace dev ehcap0 root noqueue; ip link set ehcap0 up
    ip neigh replace 169.254.255.2 lladdr 02:eb:00:00:00:02 dev ehcap0 nud permanent`;
  const veth = `ip link add ehcap0 type veth peer name ehcap1
    for d in ehcap0 ehcap1; do ip link set $d addrgenmode none; ip link set $d mtu 65535; done
    ip addr add 169.254.255.1/30 dev ehcap0 scope link; ethtool -K ehcap0 gso off tso off gro off
    ip link set ehcap1 up; ip link set ehcap0 up
    ip neigh replace 169.254.255.2 lladdr 02:eb:00:00:00:02 dev ehcap0 nud permanent`;
  // The L3 decision's base chain, as small as the agent's first rules: selects every packet of the flood.
  const l3 = (verdict: string): string =>
    `nft -f - <<'EOF'
table ip bench {
  chain post { type filter hook postrouting priority mangle; policy accept;
    oifname { "lo", "ehcap0" } return
    ${verdict}
  }
}
EOF`;
  const dup = l3('counter dup to 169.254.255.2 device "ehcap0"');
  return [
    {
      name: "nft dup -> veth pair (v1's clone)",
      kind: "mechanism",
      device: "ehcap0",
      setup: `${veth}\n${dup}`,
    },
    { name: "nft dup -> ifb", kind: "mechanism", device: "ehcap0", setup: `${ifb}\n${dup}` },
    {
      name: "mark at L3 + nft netdev egress dup -> ifb (this agent's clone)",
      kind: "mechanism",
      device: "ehcap0",
      setup: `${ifb}\n${l3(`counter meta mark set meta mark | ${MARK}`)}
nft -f - <<'EOF'
table netdev bench_egress {
  chain vb0 { type filter hook egress device "vb0" priority 0; policy accept;
    meta mark & ${MARK} == ${MARK} meta mark set meta mark & 0xffffefff dup to "ehcap0"
  }
}
EOF`,
    },
    {
      name: "netdev egress chain, nothing selected (cost to unselected traffic)",
      kind: "mechanism",
      device: "vb0",
      setup: `nft -f - <<'EOF'
table netdev bench_egress {
  chain vb0 { type filter hook egress device "vb0" priority 0; policy accept;
    meta mark & ${MARK} == ${MARK} meta mark set meta mark & 0xffffefff dup to "lo"
  }
}
EOF`,
      note: "tap on vb0: compare with the plain tap",
    },
    {
      name: "tc mirred egress mirror -> ifb, unkeyed",
      kind: "mechanism",
      device: "ehcap0",
      setup: `${ifb}\ntc qdisc add dev vb0 clsact
tc filter add dev vb0 egress protocol ip prio 1 u32 match u32 0 0 action mirred egress mirror dev ehcap0`,
      note: "no selection: this kernel has no classifier that reads the mark (cls_fw, cls_basic meta, u32 mark)",
    },
    {
      name: "nft log group -> nflog:5 (NFLOG)",
      kind: "mechanism",
      device: "nflog:5",
      setup: l3("counter log group 5"),
      note: "link type NFLOG (239), not Ethernet; no BPF filter on nflog",
    },
  ];
}

/** The whole agents: old (v1 shell agent, mirroring mode, no API) beside new (this program). */
export function agentConfigs(): CloneConfig[] {
  return [
    { name: `v1 agent (${V1_COMMIT}): nft dup -> veth + rpcapd filter`, kind: "agent", agent: "v1" },
    { name: "this agent: egress clone -> ifb + rpcapd filter", kind: "agent", agent: "v2" },
    {
      name: "this agent, CLONE_PATH=dup (kernels without egress hooks)",
      kind: "agent",
      agent: "v2",
      env: { CLONE_PATH: "dup" },
    },
  ];
}

/** The generator and sink namespaces, the sensor listener and the fake API. */
export class ThroughputBench {
  readonly gen: string;
  readonly sink: string;
  readonly dir: string;
  private genBin = "";
  private program = "";
  private v1Dir = "";
  private readonly daemons: ChildProcess[] = [];
  private destroyed = false;

  constructor() {
    const p = `${BENCH_NS_ROOT}${process.pid}x${Math.floor(Math.random() * 0xffff).toString(16)}-`;
    this.gen = p + "gen";
    this.sink = p + "sink";
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "ehbench-"));
  }

  private sh(ns: string, script: string): string {
    return execFileSync("ip", ["netns", "exec", ns, "sh", "-ec", script], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    });
  }

  async setUp(): Promise<void> {
    cleanupStaleBench();
    const c = path.join(this.dir, "udpflood.c");
    fs.writeFileSync(c, GEN_C);
    this.genBin = path.join(this.dir, "udpflood");
    execFileSync("gcc", ["-O2", "-o", this.genBin, c], { stdio: ["ignore", "pipe", "pipe"] });
    this.program = bundleAgentProgram(path.join(this.dir, "agent.js")).file;
    this.v1Dir = path.join(this.dir, "v1");
    fs.mkdirSync(this.v1Dir);
    for (const f of ["entrypoint.sh", "netfilter.sh", "validate.sh", "members.sh"]) {
      const text = execFileSync("git", ["-C", REPO_ROOT, "show", `${V1_COMMIT}:agent/${f}`], {
        encoding: "utf8",
      });
      fs.writeFileSync(path.join(this.v1Dir, f), text, { mode: 0o755 });
    }
    execFileSync("ip", ["netns", "add", this.gen]);
    execFileSync("ip", ["netns", "add", this.sink]);
    this.sh(
      this.gen,
      `ip link set lo up
       ip link add vb0 type veth peer name vb1 netns ${this.sink}
       ip addr add ${GEN_IP}/24 dev vb0
       ip link set vb0 up
       ip addr add ${BENCH_SENSOR}/32 dev lo`,
    );
    // The sink drops the flood before the socket layer (no ICMP unreachable traffic back).
    this.sh(
      this.sink,
      `ip link set lo up
       ip addr add ${SINK_IP}/24 dev vb1
       ip link set vb1 up
       nft add table ip bench
       nft add chain ip bench pre '{ type filter hook prerouting priority -300; }'
       nft add rule ip bench pre udp dport ${SINK_PORT} drop`,
    );
    this.sh(this.gen, `ping -c 1 -W 2 ${SINK_IP} >/dev/null`);
    // The "sensor" the counting rpcapd connects to: the agents are Ready only while rpcapd holds a connection.
    this.daemons.push(
      spawn(
        "ip",
        [
          "netns",
          "exec",
          this.gen,
          "socat",
          "-u",
          `TCP-LISTEN:2003,bind=${BENCH_SENSOR},reuseaddr,fork`,
          "OPEN:/dev/null",
        ],
        { stdio: "ignore" },
      ),
    );
    // The Kubernetes API this agent lists and watches (its node and its agent pod), in the sink's namespace.
    fs.writeFileSync(path.join(this.dir, "token"), API_TOKEN);
    fs.writeFileSync(
      path.join(this.dir, "objects.json"),
      JSON.stringify({
        nodes: [makeNode({ name: NODE_NAME, ip: GEN_IP })],
        pods: [makeAgentPod(NODE_NAME, GEN_IP)],
      }),
    );
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const esbuild = require("esbuild") as typeof import("esbuild");
    const apiJs = path.join(this.dir, "api.js");
    esbuild.buildSync({
      entryPoints: [path.join(REPO_ROOT, "tests", "agent", "support", "fakeApiProcess.ts")],
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
        this.sink,
        process.execPath,
        apiJs,
        SINK_IP,
        String(API_PORT),
        API_TOKEN,
        path.join(this.dir, "objects.json"),
      ],
      { stdio: ["ignore", "pipe", "inherit"] },
    );
    this.daemons.push(api);
    await new Promise<void>((resolve, reject) => {
      api.on("exit", (code) => reject(new Error(`fake API exited ${code}`)));
      readline.createInterface({ input: api.stdout! }).once("line", () => resolve());
    });
    for (let i = 0; i < 50 && !this.sh(this.gen, "ss -ltnH sport = :2003").trim(); i++) {
      await sleep(100);
    }
  }

  private flood(
    count: number,
    size: number,
    maxSeconds: number,
  ): { sent: number; seconds: number; cpuSeconds: number } {
    const out = execFileSync(
      "ip",
      [
        "netns",
        "exec",
        this.gen,
        ...pin(0),
        this.genBin,
        SINK_IP,
        String(SINK_PORT),
        String(count),
        String(size),
        String(maxSeconds),
      ],
      { encoding: "utf8" },
    );
    return JSON.parse(out.trim()) as { sent: number; seconds: number; cpuSeconds: number };
  }

  /** The last statistics tcpdump printed (on SIGUSR1 and at exit). */
  private static parseStats(text: string): { captured?: number; dropped?: number } {
    const last = (re: RegExp): number | undefined => {
      const all = [...text.matchAll(re)];
      return all.length > 0 ? Number(all[all.length - 1][1]) : undefined;
    };
    return { captured: last(/(\d+) packets? captured/g), dropped: last(/(\d+) packets? dropped by kernel/g) };
  }

  /**
   * Waits until the capture has read everything the kernel queued for it (its "captured" count, asked with
   * SIGUSR1, stops growing), so that captured/sent measures losses, not a capture stopped while still reading.
   */
  private async drain(pid: number | undefined, errFile: string): Promise<void> {
    if (pid === undefined) {
      return;
    }
    let previous = -1;
    for (let i = 0; i < 100; i++) {
      try {
        process.kill(pid, "SIGUSR1");
      } catch {
        return;
      }
      await sleep(300);
      const now = ThroughputBench.parseStats(fs.readFileSync(errFile, "utf8")).captured ?? 0;
      if (now === previous) {
        return;
      }
      previous = now;
    }
  }

  private async waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (pred()) {
        return;
      }
      await sleep(50);
    }
    throw new Error(`timed out: ${what}`);
  }

  /** A counting rpcapd: honours -i and -F, captures into nothing, holds an idle connection to the sensor. */
  private countingRpcapd(errFile: string): string {
    const file = path.join(this.dir, "rpcapd-count.sh");
    fs.writeFileSync(
      file,
      `#!/bin/sh\n# counting rpcapd: captures -i with -F into /dev/null, stats on TERM; holds an idle connection to the\n` +
        `# bench's sensor address (the agents are Ready only while one is held)\ndev=""; filter=""\n` +
        `while getopts ":f:i:F:vnDd" o; do case $o in i) dev=$OPTARG;; F) filter=$OPTARG;; *) ;; esac; done\n` +
        `socat -u TCP:${BENCH_SENSOR}:2003 OPEN:/dev/null & s=$!\n` +
        `${pin(1).join(" ")} tcpdump -B ${RING_KIB} -U -n -s 0 -w /dev/null -i "$dev" -- "$filter" 2>>${errFile} & t=$!\n` +
        `echo $t > ${errFile}.pid\n` +
        `trap 'kill -TERM $t $s 2>/dev/null' TERM INT\n` +
        `wait $t; wait $t 2>/dev/null; kill $s 2>/dev/null; exit 0\n`,
      { mode: 0o755 },
    );
    return file;
  }

  private startAgent(cfg: CloneConfig, errFile: string): ChildProcess {
    const state = path.join(this.dir, "agent-state");
    fs.rmSync(state, { recursive: true, force: true });
    fs.mkdirSync(state);
    const env: Record<string, string> = {
      PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
      EXTRAHOP_SENSOR_IP: BENCH_SENSOR,
      RPCAPD_TARGET_PORT: "2003",
      PODNET: BENCH_PODNET,
      SVCNET: BENCH_SVCNET,
      NODE_NAME,
      RPCAPD_BIN: this.countingRpcapd(errFile),
      STATE_DIR: state,
      READY_FILE: path.join(state, "ready"),
      SHUTDOWN_DELAY: "0",
      ...(cfg.agent === "v1"
        ? // v1 in mirroring mode needs no API; vb0 is not an eth*, so every flood packet is selected.
          { VPC_MIRRORING: "true" }
        : {
            VPC_MIRRORING: "false",
            AGENT_PROGRAM: this.program,
            KUBE_API_URL: `http://${SINK_IP}:${API_PORT}`,
            KUBE_TOKEN_FILE: path.join(this.dir, "token"),
            METRICS_PORT: "0",
          }),
      ...cfg.env,
    };
    const entry =
      cfg.agent === "v1"
        ? path.join(this.v1Dir, "entrypoint.sh")
        : path.join(REPO_ROOT, "agent", "entrypoint.sh");
    const p = spawn("ip", ["netns", "exec", this.gen, ...pin(1), "/bin/sh", entry], {
      env,
      stdio: ["ignore", "ignore", fs.openSync(path.join(this.dir, `agent-${cfg.agent}.log`), "a")],
    });
    this.daemons.push(p);
    return p;
  }

  /** Measures one configuration once. */
  async measure(
    cfg: CloneConfig,
    count: number,
    size: number,
    maxSeconds: number,
  ): Promise<ThroughputResult> {
    const errFile = path.join(this.dir, `stats-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
    fs.writeFileSync(errFile, "");
    let proc: ChildProcess | undefined;
    try {
      if (cfg.setup) {
        this.sh(this.gen, cfg.setup);
      }
      if (cfg.kind === "agent") {
        proc = this.startAgent(cfg, errFile);
        const ready = path.join(this.dir, "agent-state", "ready");
        await this.waitFor(
          () => fs.existsSync(ready) && fs.readFileSync(errFile, "utf8").includes("listening on"),
          60_000,
          `${cfg.name} ready and capturing`,
        );
      } else if (cfg.device) {
        proc = spawn(
          "ip",
          [
            "netns",
            "exec",
            this.gen,
            ...pin(1),
            "tcpdump",
            "-B",
            String(RING_KIB),
            "-U",
            "-n",
            "-s",
            "0",
            "-w",
            "/dev/null",
            "-i",
            cfg.device,
          ],
          { stdio: ["ignore", "ignore", fs.openSync(errFile, "a")] },
        );
        this.daemons.push(proc);
        await this.waitFor(
          () => fs.readFileSync(errFile, "utf8").includes("listening on"),
          10_000,
          "tcpdump listening",
        );
      }
      // Warm-up: ARP, the capture's first ring block, the egress hooks.
      const warm = this.flood(10, size, 1);
      await sleep(1000);
      const f = this.flood(count, size, maxSeconds);
      const res: ThroughputResult = {
        name: cfg.name,
        sent: f.sent,
        seconds: f.seconds,
        cpuSeconds: f.cpuSeconds,
        sentPps: f.sent / f.seconds,
        cpuUsPerPacket: (f.cpuSeconds / f.sent) * 1e6,
      };
      if (proc) {
        const p = proc;
        const exited = new Promise<void>((r) => (p.exitCode !== null ? r() : p.on("exit", () => r())));
        const capturePid =
          cfg.kind === "agent"
            ? Number(fs.readFileSync(`${errFile}.pid`, "utf8").trim()) || undefined
            : p.pid; // `ip netns exec` execs tcpdump
        await this.drain(capturePid, errFile);
        p.kill("SIGTERM");
        const t = setTimeout(() => p.kill("SIGKILL"), 15_000);
        await exited;
        clearTimeout(t);
        const st = ThroughputBench.parseStats(fs.readFileSync(errFile, "utf8"));
        res.captured = st.captured === undefined ? undefined : st.captured - warm.sent;
        res.droppedByKernel = st.dropped;
      }
      return res;
    } finally {
      if (proc && proc.exitCode === null) {
        proc.kill("SIGKILL");
      }
      // Back to a bare generator namespace for the next configuration.
      this.sh(
        this.gen,
        `nft delete table ip bench 2>/dev/null || true
         nft delete table netdev bench_egress 2>/dev/null || true
         tc qdisc del dev vb0 clsact 2>/dev/null || true
         ip link del ehcap0 2>/dev/null || true
         for t in $(nft list tables | awk '{print $2" "$3}' | grep extrahop | tr ' ' ':'); do nft delete table $(echo $t | tr ':' ' '); done`,
      );
    }
  }

  destroy(): void {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    for (const c of this.daemons) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
      }
    }
    deleteNamespaces([this.gen, this.sink]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
