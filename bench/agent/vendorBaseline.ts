// The vendor example's dedup filter, re-expressed as a baseline for the agent benchmark.
//
// Written from the description in ../shared/field-notes.md ("The example's dedup filter, and why it is not
// exactly-once"); no vendor file was copied. The logic:
//   - a packet between two cluster endpoints (both addresses in PODNET) is seen twice, leaving one node and
//     entering another; it is forwarded on one side only:
//       TCP (unfragmented): inbound iff sport < dport, outbound iff sport > dport;
//       port ties, non-TCP and fragments: inbound iff saddr < daddr, outbound iff saddr > daddr;
//   - IP-in-IP (ip proto 4) is dropped, and anything to or from the service range (SVCNET: pre-DNAT copies);
//   - the "outside the cluster" clause, written as the example writes it: forward when NEITHER end is in the
//     cluster (what was meant is "not both"). Non-IP and IPv6 fall into that clause and are forwarded.
//
// Direction. A BPF program has no notion of "inbound": libpcap provides the `inbound`/`outbound` qualifiers,
// which on Linux compile to
//   - on an ordinary interface (eth0, DLT_EN10MB): a load of the socket filter's ancillary field
//     SKF_AD_PKTTYPE (`ldh [type]` in `tcpdump -d`), outbound <=> PACKET_OUTGOING (4);
//   - on `any` (cooked capture, DLT_LINUX_SLL2 by default with libpcap 1.10): the cooked header's packet
//     type byte (`ldb [10]`), outbound <=> 4.
// So one expression works on both devices, and that is how it is used here.
//
// pcap-filter precedence: `not` binds tightest, `and`/`or` are equal and left-associative, so every
// sub-expression below is parenthesised.
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { AgentHandle, AgentRunner, childHandle, SHARED_STANDIN } from "../../harness/sim/cluster";

const CIDR_RE = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(\/(\d{1,2}))?$/;

/** Splits a comma list of IPv4 CIDRs (PODNET/SVCNET style); throws on anything else. */
export function parseCidrList(name: string, value: string | undefined): string[] {
  const items = (value ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  if (items.length === 0) {
    throw new Error(`${name}: empty (a comma list of IPv4 CIDRs is required)`);
  }
  for (const c of items) {
    const m = CIDR_RE.exec(c);
    if (!m || [1, 2, 3, 4].some((i) => Number(m[i]) > 255) || (m[6] !== undefined && Number(m[6]) > 32)) {
      throw new Error(`${name}: '${c}' is not an IPv4 CIDR`);
    }
  }
  return items;
}

const anyOf = (terms: string[]): string => `(${terms.join(" or ")})`;

export interface VendorFilterParts {
  /** Source address in the cluster (PODNET). */
  srcIn: string;
  dstIn: string;
  /** Both ends in the cluster, forwarded on one side only (port order / address order). */
  internal: string;
  /** The clause as the example writes it: neither end in the cluster. */
  outsideAsWritten: string;
  /** Drops: IP-in-IP and the service range. */
  drops: string;
  /** The whole expression. */
  filter: string;
}

/** Builds the baseline's pcap-filter expression from PODNET and SVCNET (comma lists). */
export function vendorFilterParts(podnet: string, svcnet: string): VendorFilterParts {
  const pods = parseCidrList("PODNET", podnet);
  const svcs = parseCidrList("SVCNET", svcnet);
  const srcIn = anyOf(pods.map((c) => `src net ${c}`));
  const dstIn = anyOf(pods.map((c) => `dst net ${c}`));
  const svc = anyOf(svcs.map((c) => `net ${c}`));
  // More-fragments flag or a fragment offset: no reliable ports, so address order.
  const fragment = "((ip[6:2] & 0x3fff) != 0)";
  const tcpWhole = `(tcp and (not ${fragment}))`;
  const byPort = "((inbound and (tcp[0:2] < tcp[2:2])) or (outbound and (tcp[0:2] > tcp[2:2])))";
  const portTie = "(tcp[0:2] = tcp[2:2])";
  const byAddress = "((inbound and (ip[12:4] < ip[16:4])) or (outbound and (ip[12:4] > ip[16:4])))";
  const internal =
    `(${srcIn} and ${dstIn} and ((${tcpWhole} and ${byPort}) or ` +
    `(((not ${tcpWhole}) or (${tcpWhole} and ${portTie})) and ${byAddress})))`;
  const outsideAsWritten = `((not ${srcIn}) and (not ${dstIn}))`;
  const drops = `((not (ip proto 4)) and (not ${svc}))`;
  const filter = `(${drops} and (${internal} or ${outsideAsWritten}))`;
  return { srcIn, dstIn, internal, outsideAsWritten, drops, filter };
}

export function vendorFilter(podnet: string, svcnet: string): string {
  return vendorFilterParts(podnet, svcnet).filter;
}

/**
 * The clause the benchmark appends so that a capture never sees its own stream to the sensors. Without it the
 * baseline captures its own rpcapd stream (node -> sensor, both in PODNET with the VPC CNI) and the sensor's
 * ACKs, which feeds back on itself (measured separately by the benchmark). libpcap's own RPCAP client asks the
 * daemon for such an exclusion (PCAP_OPENFLAG_NOCAPTURE_RPCAP); whether the vendor's sensor does is unknown.
 */
export function sensorExclusion(sensors: string[]): string {
  return `(not ${anyOf(sensors.map((s) => `host ${s}`))})`;
}

export interface BaselineOptions {
  /** libpcap device: "eth0" (how `any-eth` is modelled: eth* only; the simulated nodes have one ENI) or "any". */
  device: string;
  /** Append `and not (host <sensor> ...)` (default true). */
  excludeSensorStream?: boolean;
  /** rpcapd stand-in (default harness/sim/rpcapd-standin.sh). */
  rpcapdBin?: string;
  /**
   * Milliseconds of warm-up traffic before the runner reports ready (default 2000; 0 = cold start). Why: libpcap
   * (1.10, TPACKET_V3) filters the packets of the ring block that is open when the filter is installed in
   * userland, and its userland BPF interpreter cannot evaluate the Linux ancillary load that `inbound`/`outbound`
   * compile to on an Ethernet device, so it rejects them: a capture with this filter on eth0 loses roughly the
   * first second of traffic after it starts (measured: see docs/agent-benchmark.md). The warm-up sends a few
   * datagrams from the node to its default gateway (accepted by the filter: both in PODNET, address order,
   * outbound) until that block has been retired, so the matrix measures the filter's logic, not its start-up.
   */
  warmupMs?: number;
}

function readFrom(file: string, offset: number): string {
  try {
    return fs.readFileSync(file).subarray(offset).toString("utf8");
  } catch {
    return "";
  }
}

/** Unmarked UDP datagrams from the node to its default gateway, every 100 ms for `ms`. */
async function warmUp(netns: string, ms: number): Promise<void> {
  const n = Math.max(1, Math.round(ms / 100));
  const script =
    `gw=$(ip -4 route show default | awk '{print $3; exit}'); [ -n "$gw" ] || exit 0; i=0; ` +
    `while [ $i -lt ${n} ]; do printf warmup | socat -u - UDP4-SENDTO:$gw:9 2>/dev/null || :; sleep 0.1; i=$((i+1)); done`;
  await new Promise<void>((resolve) => {
    const p = spawn("ip", ["netns", "exec", netns, "sh", "-c", script], { stdio: "ignore" });
    const t = setTimeout(() => p.kill("SIGKILL"), ms + 10_000);
    p.on("exit", () => {
      clearTimeout(t);
      resolve();
    });
  });
}

/** The filter the baseline runner hands to rpcapd's -F for the given agent environment. */
export function baselineRpcapdFilter(env: Record<string, string>, excludeSensorStream = true): string {
  const f = vendorFilter(env.PODNET, env.SVCNET);
  if (!excludeSensorStream) {
    return f;
  }
  const sensors = (env.EXTRAHOP_SENSOR_IP ?? "")
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  return sensors.length > 0 ? `(${f} and ${sensorExclusion(sensors)})` : f;
}

/**
 * Runs the baseline the way the vendor's example does: `rpcapd -v -f rpcapd.ini -i <device> -D -F <bpf>` in
 * the node's namespace, no netfilter set-up, no membership. Implements the harness's AgentRunner, so the
 * cluster starts it in place of agent/entrypoint.sh.
 */
export class VendorBaselineRunner implements AgentRunner {
  readonly description: string;
  private readonly exclude: boolean;
  private readonly warmupMs: number;
  constructor(private readonly opts: BaselineOptions) {
    this.exclude = opts.excludeSensorStream ?? true;
    this.warmupMs = opts.warmupMs ?? 2000;
    this.description = `vendor filter on ${opts.device}${this.exclude ? " (+ sensor exclusion)" : ""}${this.warmupMs > 0 ? "" : ", cold start"} via rpcapd stand-in`;
  }

  async start(o: {
    netns: string;
    env: Record<string, string>;
    stateDir: string;
    logFile: string;
  }): Promise<AgentHandle> {
    const port = o.env.RPCAPD_TARGET_PORT;
    const sensors = (o.env.EXTRAHOP_SENSOR_IP ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter((s) => s !== "");
    const ini = path.join(o.stateDir, "rpcapd.ini");
    fs.writeFileSync(
      ini,
      [
        "# vendor baseline",
        ...sensors.map((s) => `ActiveClient = ${s},${port}`),
        "NullAuthPermit = YES",
        "",
      ].join("\n"),
    );
    const filter = baselineRpcapdFilter(o.env, this.exclude);
    fs.writeFileSync(path.join(o.stateDir, "filter.txt"), filter + "\n");
    const bin = this.opts.rpcapdBin ?? SHARED_STANDIN;
    const logSize = fs.existsSync(o.logFile) ? fs.statSync(o.logFile).size : 0;
    const fd = fs.openSync(o.logFile, "a");
    const child = spawn(
      "ip",
      ["netns", "exec", o.netns, "/bin/sh", bin, "-v", "-f", ini, "-i", this.opts.device, "-D", "-F", filter],
      {
        env: {
          PATH: process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin",
          RPCAPD_STANDIN_RETRY: o.env.RPCAPD_STANDIN_RETRY ?? "1",
        },
        stdio: ["ignore", fd, fd],
      },
    );
    fs.closeSync(fd);
    const handle = childHandle(child, o.stateDir);
    let dead = false;
    void handle.exited.then(() => (dead = true));
    // Ready once the stand-in's capture runs (its log says "connected, capturing") and the warm-up is done.
    const logStart = logSize;
    const deadline = Date.now() + 15_000;
    while (!dead && Date.now() < deadline) {
      const text = readFrom(o.logFile, logStart);
      if (text.includes("connected, capturing on")) {
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    if (!dead && this.warmupMs > 0) {
      await warmUp(o.netns, this.warmupMs);
    }
    if (!dead) {
      fs.writeFileSync(path.join(o.stateDir, "ready"), "");
    }
    return handle;
  }
}

/** Compiled BPF size of `filter` on device `dev`, in namespace `netns` (tcpdump -d | wc -l). */
export function bpfInstructionCount(
  netns: string | undefined,
  dev: string,
  filter: string,
  linkType?: string,
): number {
  const args = ["-d", "-n", "-i", dev, ...(linkType ? ["-y", linkType] : []), "--", filter];
  const out = netns
    ? execFileSync("ip", ["netns", "exec", netns, "tcpdump", ...args], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
      })
    : execFileSync("tcpdump", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
  return out.split("\n").filter((l) => /^\(\d+\)/.test(l)).length;
}
