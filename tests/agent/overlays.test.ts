// The agent on overlay datapaths: a self-managed cluster per datapath (Calico BGP, IP-in-IP and VXLAN, Flannel
// VXLAN) built in network namespaces as the CNI wires it (harness/sim/overlay), the agent of this checkout on the
// agent nodes, VPC_MIRRORING=false (mirroring is AWS-only). First the simulated datapath itself is checked (outer
// packets locally generated on the sender, inner ones arriving on the tunnel device, bridged traffic crossing the IP
// hooks, the CNI's Node annotations served by the fake API); then one flow of every class, each marked packet
// exactly once at the sensor. The full matrix, before/after: harness/sim/overlay/bench.ts. EHSIM_VERBOSE=1 prints
// every flow's copies; EHSIM_AGENT_PROGRAM=<agent.js> runs a prebuilt agent program instead of this checkout's.
// Needs root and the tools of the VPC simulation, plus `bridge` and python3: fails, never skips, without them.
import * as assert from "assert";
import { execFileSync } from "child_process";
import { Capture, deleteNamespaces, listNetns, NS_PREFIX_ROOT } from "../../harness/sim/cluster";
import { checkoutAgent, prebuiltAgent } from "../../harness/sim/overlay/agents";
import { OverlayCluster } from "../../harness/sim/overlay/cluster";
import {
  compactFlows,
  flowTitle,
  formatFlowResults,
  OverlayFlowResult,
  runFlows,
} from "../../harness/sim/overlay/flows";
import { installProbe, ProbeCounter, readProbe, removeProbe } from "../../harness/sim/overlay/hookProbe";
import { measureRedirectBypass } from "../../harness/sim/overlay/redirectBypass";
import * as O from "../../harness/sim/overlay/topology";

/** The probe counters that show a cross-node packet A1 -> B1 takes the datapath's real path. */
function crossNodeProbes(t: O.OverlayTopology): { sender: ProbeCounter[]; receiver: ProbeCounter[] } {
  const a = O.nodeOf(t, "A");
  const b = O.nodeOf(t, "B");
  const inner = `ip saddr ${O.podOf(t, "A1").ip} ip daddr ${O.podOf(t, "B1").ip} meta l4proto udp`;
  const outerMatch =
    t.encapsulation?.kind === "ipip"
      ? `ip saddr ${a.ip} ip daddr ${b.ip} meta l4proto 4`
      : t.encapsulation?.kind === "vxlan"
        ? `ip saddr ${a.ip} ip daddr ${b.ip} udp dport ${t.encapsulation.port}`
        : undefined;
  const uplink = t.tunnelDevice ?? "eth0";
  const sender: ProbeCounter[] = [
    { name: "inner_out", hook: "postrouting", match: `oifname "${uplink}" ${inner}` },
  ];
  const receiver: ProbeCounter[] = [
    { name: "inner_in", hook: "prerouting", match: `iifname "${uplink}" ${inner}` },
  ];
  if (outerMatch) {
    sender.push(
      { name: "outer_output", hook: "output", match: outerMatch },
      { name: "outer_postrouting", hook: "postrouting", match: `oifname "eth0" ${outerMatch}` },
    );
    receiver.push({ name: "outer_input", hook: "input", match: `iifname "eth0" ${outerMatch}` });
  }
  if (t.cni === "flannel") {
    sender.push({
      name: "bridged",
      hook: "postrouting",
      match: `oifname "cni0" ip saddr ${O.podOf(t, "A1").ip} ip daddr ${O.podOf(t, "A2").ip} meta l4proto udp`,
    });
  }
  return { sender, receiver };
}

/** Frames at the sensor that are an encapsulation between two nodes (must be none: the inner packet is reported). */
function outerFrames(t: O.OverlayTopology, cap: Capture): number {
  return cap.packets.filter((p) => O.isOuterPacket(t, p)).length;
}

describe("agent on overlay datapaths: simulated self-managed clusters, VPC_MIRRORING=false", function () {
  this.timeout(180_000);

  describe("cilium (not simulated: its BPF programs cannot run here; docs/datapaths.md)", function () {
    it("a tc redirect between pod devices, Cilium's forwarding primitive, bypasses every IP hook of the host", function () {
      const prefix = `${NS_PREFIX_ROOT}${process.pid}xtc-`;
      try {
        const r = measureRedirectBypass(prefix);
        assert.ok(r.pingsAnswered, "the pings themselves failed");
        assert.deepStrictEqual(
          Object.values(r.redirected).reduce((a, b) => a + b, 0),
          0,
          `redirected: ${JSON.stringify(r.redirected)}`,
        );
        assert.ok(r.routed.forward > 0 && r.routed.postrouting > 0, `routed: ${JSON.stringify(r.routed)}`);
      } finally {
        deleteNamespaces(listNetns().filter((n) => n.startsWith(prefix)));
      }
    });
  });

  for (const datapath of O.DATAPATHS) {
    describe(datapath, function () {
      let cluster: OverlayCluster | undefined;

      before(async function () {
        cluster = await OverlayCluster.create(datapath);
      });

      after(async function () {
        await cluster?.destroy();
      });

      describe("the simulated datapath, before any agent runs", function () {
        it("a cross-node packet takes the CNI's path (tunnel device, locally generated outer packet) and bridged traffic crosses the IP hooks", async function () {
          const c = cluster!;
          const t = c.topology;
          const probes = crossNodeProbes(t);
          installProbe(c.ns("nA"), probes.sender);
          installProbe(c.ns("nB"), probes.receiver);
          try {
            const marker = "mkprobe000000000";
            const cross = await c
              .worker("pA1")
              .send({ op: "udp", host: O.podOf(t, "B1").ip, port: O.POD_UDP, marker });
            const local = await c
              .worker("pA1")
              .send({ op: "udp", host: O.podOf(t, "A2").ip, port: O.POD_UDP, marker });
            assert.ok(cross.ok && local.ok, `traffic failed: ${cross.detail} / ${local.detail}`);
            const counts = { ...readProbe(c.ns("nA")), ...readProbe(c.ns("nB")) };
            for (const p of [...probes.sender, ...probes.receiver]) {
              assert.ok(
                (counts[p.name] ?? 0) >= 1,
                `${p.name} (${p.hook}: ${p.match}) saw nothing: ${JSON.stringify(counts)}`,
              );
            }
          } finally {
            removeProbe(c.ns("nA"));
            removeProbe(c.ns("nB"));
          }
        });

        it("the fake API serves the Nodes with what the CNI publishes on them", function () {
          const t = cluster!.topology;
          const out = execFileSync(
            "ip",
            [
              "netns",
              "exec",
              cluster!.ns("nA"),
              "curl",
              "-sf",
              "-H",
              `Authorization: Bearer ${O.API_TOKEN}`,
              `http://${O.API_IP}:${O.API_PORT}/api/v1/nodes`,
            ],
            { encoding: "utf8" },
          );
          const nodes = (
            JSON.parse(out) as {
              items: {
                metadata: { name: string; annotations: Record<string, string> };
                spec: { podCIDRs: string[] };
              }[];
            }
          ).items;
          const b = nodes.find((n) => n.metadata.name === O.nodeOf(t, "B").name)!;
          const expected: Record<O.DatapathName, [string, string]> = {
            "calico-bgp": ["projectcalico.org/IPv4Address", `${O.nodeOf(t, "B").ip}/${O.UNDERLAY_PREFIX}`],
            "calico-ipip": ["projectcalico.org/IPv4IPIPTunnelAddr", O.nodeOf(t, "B").tunnelIp!],
            "calico-vxlan": ["projectcalico.org/IPv4VXLANTunnelAddr", O.nodeOf(t, "B").tunnelIp!],
            "flannel-vxlan": ["flannel.alpha.coreos.com/public-ip", O.nodeOf(t, "B").ip],
          };
          const [key, value] = expected[datapath];
          assert.strictEqual(b.metadata.annotations[key], value);
          assert.deepStrictEqual(b.spec.podCIDRs, [O.nodeOf(t, "B").podCidr]);
        });
      });

      describe("the agent of this checkout: every class once", function () {
        // EHSIM_AGENT_PROGRAM=<agent.js>: a prebuilt bundle (a candidate change) instead of this checkout's program.
        const program = process.env.EHSIM_AGENT_PROGRAM;
        const agent = program ? prebuiltAgent("prebuilt", program) : checkoutAgent();
        let results: OverlayFlowResult[] = [];
        let cap: Capture;

        before(async function () {
          await cluster!.startAgents(agent.runner, agent.env);
          results = await runFlows(cluster!, compactFlows(cluster!.topology));
          cap = cluster!.collect();
          if (process.env.EHSIM_VERBOSE) {
            process.stderr.write(`${datapath}:\n${formatFlowResults(results)}\n`);
          }
        });

        after(async function () {
          await cluster?.stopAgents();
          agent.dispose();
        });

        afterEach(function () {
          if (this.currentTest?.state === "failed" && cluster) {
            for (const n of cluster.topology.nodes.filter((x) => x.agent)) {
              process.stderr.write(`--- agent log, node ${n.key}:\n${cluster.readLog(n.key).slice(-2000)}\n`);
            }
          }
        });

        for (const flow of compactFlows(O.overlayTopology(datapath))) {
          it(`${flowTitle(flow)}: ${flow.kinds.join("/")} once`, function () {
            const r = results.find((x) => x.flow.cls === flow.cls);
            assert.ok(r, `no result for ${flow.cls}`);
            assert.ok(
              r.ok,
              `the traffic itself failed (${r.detail}): the simulated datapath is broken, not the agent`,
            );
            assert.deepStrictEqual(r.got, r.expected, formatFlowResults([r]));
            assert.deepStrictEqual(
              r.outer,
              { req: 0, rsp: 0, err: 0 },
              `an encapsulated copy instead of the packet: ${formatFlowResults([r])}`,
            );
          });
        }

        it("bulk TCP reaches the sensor whole, in wire-sized frames", function () {
          for (const r of results.filter((x) => x.bulk)) {
            assert.strictEqual(
              r.bulk!.unique,
              r.bulk!.sent,
              `${flowTitle(r.flow)}: ${JSON.stringify(r.bulk)}`,
            );
            assert.ok(r.bulk!.maxFrameLength <= 1514, `${flowTitle(r.flow)}: ${JSON.stringify(r.bulk)}`);
          }
        });

        it("no encapsulated copy between nodes reaches the sensor", function () {
          assert.strictEqual(outerFrames(cluster!.topology, cap), 0);
        });

        it("no packet at all, marked or not, reaches the sensor twice", function () {
          assert.strictEqual(
            cap.duplicates.length,
            0,
            `${cap.duplicates.length} duplicate frames of ${cap.frames}, e.g. ${JSON.stringify(cap.duplicates.slice(0, 5))}`,
          );
        });

        it("the sensor receives Ethernet frames only, never its own stream", function () {
          assert.ok(cap.frames > 0);
          assert.strictEqual(cap.nonEthernet, 0);
          assert.strictEqual(cap.sensorFrames, 0);
        });
      });
    });
  }
});
