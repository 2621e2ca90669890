// AWS Traffic Mirroring, modelled per packet: every frame that leaves (and enters) a node ENI with a mirror
// session is captured where the ENI meets the node (`tcpdump -Q out` / `-Q in` on the ENI device in the node's
// namespace: the packet as the instance hands it to the VPC, after NAT and fragmentation), then AWS's copy decision
// is taken by the rule evaluator (harness/mirror/ruleEvaluator.ts) over the filter `planMirrorFilter` produces:
// egress and ingress rules, the amazon-dns network service, what AWS never mirrors. The frames it accepts are the
// copies AWS would send to the target; they are counted with the agents' copies. Which ENIs have a session is the
// reconciler's decision on the fake EC2 view (fleet.ts).
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { MirrorFilter, evaluateMirror } from "../mirror/ruleEvaluator";
import type { MirroredDevice } from "./fleet";
import { Frame, decodeIpv4, readPcapStreams } from "./pcap";

/** A frame AWS copies, with where it was taken. */
export interface MirrorCopy {
  /** `mirror:<node>/<dev>/<egress|ingress>`. */
  source: string;
  /** The frame (Ethernet). */
  frame: Frame;
}

interface Capture {
  device: MirroredDevice;
  direction: "egress" | "ingress";
  file: string;
  proc: ChildProcess;
}

/** The tcpdump processes of one run, and the decision over what they saw. */
export class MirrorTap {
  private captures: Capture[] = [];

  constructor(
    private readonly dir: string,
    private readonly nsOf: (nodeKey: string) => string,
  ) {}

  /** Starts capturing on every mirrored device, both directions; resolves once every tcpdump listens. */
  async start(devices: MirroredDevice[]): Promise<void> {
    await this.stop();
    fs.rmSync(this.dir, { recursive: true, force: true });
    fs.mkdirSync(this.dir, { recursive: true });
    const starts = devices.flatMap((device) =>
      (["egress", "ingress"] as const).map(async (direction) => {
        const file = path.join(this.dir, `${device.node}-${device.dev}-${direction}.pcap`);
        const proc = spawn(
          "ip",
          [
            "netns",
            "exec",
            this.nsOf(device.node),
            "tcpdump",
            "-n",
            "-U",
            "-s",
            "0",
            "-i",
            device.dev,
            "-Q",
            direction === "egress" ? "out" : "in",
            "-w",
            file,
          ],
          { stdio: ["ignore", "ignore", "pipe"] },
        );
        this.captures.push({ device, direction, file, proc });
        await new Promise<void>((resolve, reject) => {
          let err = "";
          proc.stderr!.on("data", (d: Buffer) => {
            err += d.toString();
            if (err.includes("listening on")) {
              resolve();
            }
          });
          proc.on("exit", (c) =>
            reject(new Error(`tcpdump on ${device.node}/${device.dev} exited (${c}): ${err}`)),
          );
        });
      }),
    );
    await Promise.all(starts);
  }

  /**
   * The copies AWS makes of what was captured so far: each frame evaluated at its ENI and direction under `filter`.
   * @param amazonDnsIps the VPC resolver's addresses (what the amazon-dns network service matches)
   */
  copies(filter: MirrorFilter, amazonDnsIps: string[]): MirrorCopy[] {
    const ctx = { amazonDnsIps };
    const out: MirrorCopy[] = [];
    for (const c of this.captures) {
      let buf: Buffer;
      try {
        buf = fs.readFileSync(c.file);
      } catch {
        continue;
      }
      if (buf.length < 24) {
        continue;
      }
      for (const frame of readPcapStreams(buf)) {
        const ip = decodeIpv4(frame);
        if (!ip) {
          continue; // ARP, IPv6: never mirrored here (AWS never mirrors ARP; the simulation is IPv4-only)
        }
        const packet = { protocol: ip.proto, src: ip.src, dst: ip.dst, srcPort: ip.sport, dstPort: ip.dport };
        if (evaluateMirror(filter, packet, c.direction, ctx).mirrored) {
          out.push({ source: `mirror:${c.device.node}/${c.device.dev}/${c.direction}`, frame });
        }
      }
    }
    return out;
  }

  /** Stops every tcpdump (they flush per packet, so nothing is lost). */
  async stop(): Promise<void> {
    const all = this.captures;
    this.captures = [];
    await Promise.all(
      all.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.proc.exitCode !== null || c.proc.signalCode !== null) {
              resolve();
              return;
            }
            c.proc.once("exit", () => resolve());
            c.proc.kill("SIGTERM");
          }),
      ),
    );
  }
}
