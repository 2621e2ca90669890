// Capture throughput with a filter on a veth under load: two namespaces of our own, a bounded UDP flood from
// one to the other, tcpdump (the rpcapd stand-in's capture engine) in the sender's namespace counting what
// it captured against what was sent. Everything stays inside the two namespaces, which are removed even when a
// step fails (and, if a run was killed, at the start of the next).
import { ChildProcess, execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { deleteNamespaces, ENTRYPOINT, listNetns } from "../../harness/sim/cluster";

export const BENCH_NS_ROOT = "ehbench";
export const GEN_IP = "10.99.0.20"; // above SINK_IP: the baseline's address order forwards it outbound
export const SINK_IP = "10.99.0.10";
export const BENCH_PODNET = "10.99.0.0/16";
export const BENCH_SVCNET = "10.100.0.0/16";
// A local address of the generator's namespace: the counting rpcapd holds an idle TCP connection to a listener
// there, because the entrypoint is Ready only while rpcapd holds a connection to a sensor. No data flows on it.
export const BENCH_SENSOR = "10.99.9.9";
const SINK_PORT = 9;

export interface CaptureConfig {
  name: string;
  /** undefined: no capture (generator alone). */
  device?: string;
  filter?: string;
  /** Run the real agent/entrypoint.sh (VPC_MIRRORING=true) with a counting rpcapd instead of plain tcpdump. */
  agent?: boolean;
}

export interface ThroughputResult {
  name: string;
  device: string;
  sent: number;
  seconds: number;
  sentPps: number;
  captured?: number;
  receivedByFilter?: number;
  droppedByKernel?: number;
  capturedPps?: number;
}

const GEN_C = String.raw`
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }
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
  double t0 = now(), t1 = t0; long sent = 0, errors = 0;
  while (sent < count) {
    int n = count - sent < B ? (int)(count - sent) : B;
    int r = sendmmsg(s, m, n, 0);
    if (r < 0) { errors++; } else { sent += r; }
    t1 = now();
    if (t1 - t0 > maxs || errors > 100000) break;
  }
  printf("{\"sent\":%ld,\"seconds\":%.6f,\"errors\":%ld}\n", sent, t1 - t0, errors);
  return 0;
}
`;

/** With two CPUs or more, the generator runs on CPU 0 and the capture on CPU 1 (less run-to-run noise). */
function pin(cpu: number): string[] {
  return os.cpus().length >= 2 && fs.existsSync("/usr/bin/taskset") ? ["taskset", "-c", String(cpu)] : [];
}

function run(ns: string, args: string[]): string {
  return execFileSync("ip", ["netns", "exec", ns, ...args], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "pipe"],
  });
}

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

export class ThroughputBench {
  readonly gen: string;
  readonly sink: string;
  readonly dir: string;
  private genBin = "";
  private children: ChildProcess[] = [];
  private destroyed = false;

  constructor() {
    const p = `${BENCH_NS_ROOT}${process.pid}x${Math.floor(Math.random() * 0xffff).toString(16)}-`;
    this.gen = p + "gen";
    this.sink = p + "sink";
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), "ehbench-"));
  }

  setUp(): void {
    cleanupStaleBench();
    const c = path.join(this.dir, "udpflood.c");
    fs.writeFileSync(c, GEN_C);
    this.genBin = path.join(this.dir, "udpflood");
    execFileSync("gcc", ["-O2", "-o", this.genBin, c], { stdio: ["ignore", "pipe", "pipe"] });
    execFileSync("ip", ["netns", "add", this.gen]);
    execFileSync("ip", ["netns", "add", this.sink]);
    run(this.gen, [
      "sh",
      "-ec",
      `ip link set lo up
       ip link add vb0 type veth peer name vb1 netns ${this.sink}
       ip addr add ${GEN_IP}/24 dev vb0
       ip link set vb0 up`,
    ]);
    // The sink drops the flood before the socket layer (no ICMP unreachable traffic back).
    run(this.sink, [
      "sh",
      "-ec",
      `ip link set lo up
       ip addr add ${SINK_IP}/24 dev vb1
       ip link set vb1 up
       nft add table ip bench
       nft add chain ip bench pre '{ type filter hook prerouting priority -300; }'
       nft add rule ip bench pre udp dport ${SINK_PORT} drop`,
    ]);
    // Warm ARP.
    run(this.gen, ["ping", "-c", "1", "-W", "2", SINK_IP]);
    // The "sensor" the counting rpcapd connects to (see BENCH_SENSOR).
    run(this.gen, ["ip", "addr", "add", `${BENCH_SENSOR}/32`, "dev", "lo"]);
    this.children.push(
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
    for (let i = 0; i < 50 && !run(this.gen, ["ss", "-ltnH", "sport", "= :2003"]).trim(); i++) {
      execFileSync("sleep", ["0.1"]);
    }
  }

  private flood(count: number, size: number, maxSeconds: number): { sent: number; seconds: number } {
    const out = run(this.gen, [
      ...pin(0),
      this.genBin,
      SINK_IP,
      String(SINK_PORT),
      String(count),
      String(size),
      String(maxSeconds),
    ]);
    const r = JSON.parse(out.trim()) as { sent: number; seconds: number };
    return r;
  }

  private async waitFor(pred: () => boolean, ms: number, what: string): Promise<void> {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (pred()) {
        return;
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`timed out: ${what}`);
  }

  private static parseStats(text: string): { captured?: number; received?: number; dropped?: number } {
    const num = (re: RegExp): number | undefined => {
      const m = re.exec(text);
      return m ? Number(m[1]) : undefined;
    };
    return {
      captured: num(/(\d+) packets? captured/),
      received: num(/(\d+) packets? received by filter/),
      dropped: num(/(\d+) packets? dropped by kernel/),
    };
  }

  async measure(
    cfg: CaptureConfig,
    count: number,
    size: number,
    maxSeconds: number,
  ): Promise<ThroughputResult> {
    const errFile = path.join(this.dir, `stats-${Date.now()}-${Math.random().toString(36).slice(2)}.txt`);
    fs.writeFileSync(errFile, "");
    let proc: ChildProcess | undefined;
    let exited: Promise<void> | undefined;
    if (cfg.agent) {
      // The real entrypoint, mirroring mode (no API needed): vb0 is not an eth*, so every flood packet is
      // selected at postrouting, cloned onto ehcap0, and captured there by "rpcapd" (a counting tcpdump).
      const rpcapd = path.join(this.dir, "rpcapd-count.sh");
      fs.writeFileSync(
        rpcapd,
        `#!/bin/sh\n# counting rpcapd: honours -i and -F, captures to /dev/null, stats on TERM; holds an idle\n` +
          `# connection to the bench's sensor address (the entrypoint is Ready only while one is held)\ndev=""; filter=""\n` +
          `while getopts ":f:i:F:vnDd" o; do case $o in i) dev=$OPTARG;; F) filter=$OPTARG;; *) ;; esac; done\n` +
          `socat -u TCP:${BENCH_SENSOR}:2003 OPEN:/dev/null & s=$!\n` +
          `tcpdump -U -n -s 0 -w /dev/null -i "$dev" -- "$filter" 2>>${errFile} & t=$!\n` +
          `trap 'kill -TERM $t $s 2>/dev/null' TERM INT\n` +
          `wait $t; wait $t 2>/dev/null; kill $s 2>/dev/null; exit 0\n`,
        { mode: 0o755 },
      );
      const state = path.join(this.dir, "agent-state");
      fs.rmSync(state, { recursive: true, force: true });
      fs.mkdirSync(state);
      proc = spawn("ip", ["netns", "exec", this.gen, ...pin(1), "/bin/sh", ENTRYPOINT], {
        env: {
          PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
          EXTRAHOP_SENSOR_IP: BENCH_SENSOR,
          RPCAPD_TARGET_PORT: "2003",
          PODNET: BENCH_PODNET,
          SVCNET: BENCH_SVCNET,
          VPC_MIRRORING: "true",
          NODE_NAME: "bench",
          RPCAPD_BIN: rpcapd,
          STATE_DIR: state,
          READY_FILE: path.join(state, "ready"),
        },
        stdio: ["ignore", "ignore", fs.openSync(path.join(this.dir, "agent.log"), "a")],
      });
      this.children.push(proc);
      const p = proc;
      exited = new Promise((r) => p.on("exit", () => r()));
      await this.waitFor(
        () =>
          fs.existsSync(path.join(state, "ready")) &&
          fs.readFileSync(errFile, "utf8").includes("listening on"),
        20_000,
        "agent ready and capturing",
      );
    } else if (cfg.device) {
      const args = [
        "netns",
        "exec",
        this.gen,
        ...pin(1),
        "tcpdump",
        "-U",
        "-n",
        "-s",
        "0",
        "-w",
        "/dev/null",
        "-i",
        cfg.device,
      ];
      if (cfg.filter) {
        args.push("--", cfg.filter);
      }
      proc = spawn("ip", args, { stdio: ["ignore", "ignore", fs.openSync(errFile, "a")] });
      this.children.push(proc);
      const p = proc;
      exited = new Promise((r) => p.on("exit", () => r()));
      await this.waitFor(
        () => fs.readFileSync(errFile, "utf8").includes("listening on"),
        10_000,
        "tcpdump listening",
      );
    }
    // Warm-up: a few packets, then let the capture's first ring block retire (libpcap filters that block in
    // userland, where `inbound`/`outbound` on an Ethernet device cannot be evaluated; see vendorBaseline.ts).
    const warm = this.flood(10, size, 1);
    await new Promise((r) => setTimeout(r, 1500));
    const f = this.flood(count, size, maxSeconds);
    const res: ThroughputResult = {
      name: cfg.name,
      device: cfg.agent ? "ehcap0 (via nft dup)" : (cfg.device ?? "-"),
      sent: f.sent,
      seconds: f.seconds,
      sentPps: f.sent / f.seconds,
    };
    if (proc && exited) {
      await new Promise((r) => setTimeout(r, 500)); // let the capture drain its ring
      proc.kill("SIGTERM");
      const t = setTimeout(() => proc!.kill("SIGKILL"), 15_000);
      await exited;
      clearTimeout(t);
      const st = ThroughputBench.parseStats(fs.readFileSync(errFile, "utf8"));
      res.captured = st.captured;
      res.receivedByFilter = st.received;
      res.droppedByKernel = st.dropped;
      // The capture also saw the warm-up packets: they are counted as sent (a handful against ~10^5).
      res.sent += warm.sent;
      res.capturedPps = st.captured !== undefined ? st.captured / f.seconds : undefined;
    }
    return res;
  }

  destroy(): void {
    if (this.destroyed) {
      return;
    }
    this.destroyed = true;
    for (const c of this.children) {
      if (c.exitCode === null && c.signalCode === null) {
        c.kill("SIGKILL");
      }
    }
    deleteNamespaces([this.gen, this.sink]);
    fs.rmSync(this.dir, { recursive: true, force: true });
  }
}
